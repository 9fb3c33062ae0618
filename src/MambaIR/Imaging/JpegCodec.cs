using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace MambaIR.Imaging;

/// <summary>
/// Baseline JPEG encoding at a given quality (for JPEG compression-artifact-removal data), with ImageSharp 2.1's
/// encoder: the ITU-T T.81 Annex K luminance/chrominance tables scaled by the IJG <c>jpeg_set_quality</c> formula
/// (q &lt; 50: 5000/q %, else 200 − 2q %; entries (t·s + 50)/100 clamped to 1..255), standard Huffman tables,
/// YCbCr 4:2:0 for colour (as OpenCV <c>imencode</c> and PIL default) and a single luminance component for grey.
/// It differs from libjpeg-turbo in its float forward DCT and RGB→YCbCr/down-sampling arithmetic, so encoded bytes
/// (and decoded pixels) can differ by small amounts from OpenCV's; quantisation tables and sampling are the same.
/// </summary>
public static class JpegCodec
{
    /// <summary>Encodes at quality 1..100. Grey images give a 1-component JPEG; alpha is dropped; 16-bit is reduced to 8-bit.</summary>
    public static byte[] Encode(RasterImage img, int quality)
    {
        ArgumentNullException.ThrowIfNull(img);
        if (quality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(quality), quality, "JPEG quality must be 1..100");
        var enc = new JpegEncoder
        {
            Quality = quality,
            ColorType = img.Channels == 1 ? JpegColorType.Luminance : JpegColorType.YCbCrRatio420,
        };
        if (img.Channels == 1)
        {
            // Encode from L8 so the luminance plane is taken verbatim (no RGB→Y conversion).
            var grey = img.ToBytesHwc();
            return ImageFile.Save(Image.LoadPixelData<L8>(grey, img.Width, img.Height), enc);
        }
        return ImageFile.Save(PixelConvert.ToRgba32(img, dropAlpha: true), enc);
    }

    /// <summary>Encodes at <paramref name="quality"/> and decodes again: the degraded image a CAR model sees.</summary>
    public static RasterImage RoundTrip(RasterImage img, int quality) => ImageFile.Decode(Encode(img, quality), $"<JPEG q{quality}>");
}
