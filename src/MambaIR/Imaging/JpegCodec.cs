using VImage = NetVips.Image;
using NetVips;

namespace MambaIR.Imaging;

/// <summary>
/// The JPEG path of the JPEG compression-artifact benchmark: encoding and decoding that reproduce OpenCV's
/// <c>cv2.imencode('.jpg', img, [IMWRITE_JPEG_QUALITY, q])</c> / <c>cv2.imdecode</c> (libjpeg-turbo), which
/// BasicSR/SwinIR/MambaIR use to make JPEG CAR inputs. Both go through libvips' libjpeg-turbo with the settings
/// that make it OpenCV's: baseline, IJG quality scaling of the ITU-T T.81 Annex K tables (<c>jpeg_set_quality(q, TRUE)</c>:
/// q &lt; 50 → 5000/q %, else 200 − 2q %, entries clamped to 1..255; libvips' quant_table 0, no trellis quantisation,
/// no overshoot deringing), integer DCT, YCbCr 4:2:0 for colour at every quality (OpenCV's default; libvips' own default
/// would switch to 4:4:4 from q 90) and a single component for grey. The Huffman tables are optimised, so files are a
/// little smaller than OpenCV's, but the quantised coefficients are the same: decoding either gives identical pixels
/// (JpegCodecTests: OpenCV 4.6 fixtures, grey and colour, q 10/40, whole images at q 10 and 40). Decoding: islow IDCT,
/// fancy chroma up-sampling, as <c>cv2.imdecode</c>; EXIF orientation is not applied here.
/// </summary>
public static class JpegCodec
{
    /// <summary>Encodes at quality 1..100, pixels only. Grey images give a 1-component JPEG; alpha is dropped; 16-bit is rounded to 8-bit.</summary>
    public static byte[] Encode(RasterImage img, int quality)
    {
        ArgumentNullException.ThrowIfNull(img);
        if (quality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(quality), quality, "JPEG quality must be 1..100");
        VipsCodec.EnsureInitialized();
        byte[] hwc = img.ToBytesHwc();
        try
        {
            using var raw = VImage.NewFromMemory(hwc, img.Width, img.Height, img.Channels, Enums.BandFormat.Uchar);
            using var typed = raw.Copy(interpretation: img.Channels == 1 ? Enums.Interpretation.Bw : Enums.Interpretation.Srgb);
            return typed.JpegsaveBuffer(q: quality, optimizeCoding: true, interlace: false, trellisQuant: false, overshootDeringing: false,
                optimizeScans: false, quantTable: 0, subsampleMode: Enums.ForeignSubsample.On, keep: Enums.ForeignKeep.None);
        }
        catch (VipsException e)
        {
            throw new InvalidOperationException($"JPEG encoding of a {img.Width}x{img.Height} image failed (libvips: {VipsCodec.Describe(e)})", e);
        }
    }

    /// <summary>Decodes a JPEG: grey files give 1 channel, colour files RGB; orientation not applied. Errors name <paramref name="name"/>.</summary>
    public static RasterImage Decode(byte[] jpeg, string name)
    {
        ArgumentNullException.ThrowIfNull(jpeg);
        var format = ImageFile.Identify(jpeg, name);
        if (format != ImageFormat.Jpeg) throw new InvalidDataException($"{name}: {ImageFormats.Name(format)} data, not JPEG");
        return VipsCodec.Decode(jpeg, name, ImageFormat.Jpeg, applyOrientation: false);
    }

    /// <summary>Encodes at <paramref name="quality"/> and decodes again: the degraded image a CAR model sees.</summary>
    public static RasterImage RoundTrip(RasterImage img, int quality) => Decode(Encode(img, quality), $"<JPEG q{quality}>");
}
