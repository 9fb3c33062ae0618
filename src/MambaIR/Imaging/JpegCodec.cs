using SkiaSharp;

namespace MambaIR.Imaging;

/// <summary>
/// JPEG encoding and decoding through SkiaSharp's libjpeg-turbo, chosen because it reproduces OpenCV
/// (<c>cv2.imencode</c>/<c>cv2.imdecode</c>, libjpeg-turbo), which BasicSR/SwinIR/MambaIR use for JPEG
/// compression-artifact data.
/// <para>Encoding: baseline, IJG quality scaling of the ITU-T T.81 Annex K tables (<c>jpeg_set_quality(q, TRUE)</c>:
/// q &lt; 50 → 5000/q %, else 200 − 2q %, entries clamped to 1..255), integer DCT, YCbCr 4:2:0 for colour (OpenCV's
/// default) and a single component for grey. Skia writes optimised Huffman tables, so the files are smaller than
/// OpenCV's, but the quantised coefficients are the same: decoding either gives identical pixels (checked on Set5/Set14
/// at q10/30/40, grey and colour, against OpenCV 4.6).</para>
/// <para>Decoding: libjpeg-turbo with its default islow IDCT and fancy chroma up-sampling: pixel-identical to
/// <c>cv2.imdecode</c>. (ImageSharp 2.1's decoder differs on 4:2:0 colour by up to ~50 levels near edges, so it is not
/// used for JPEG.) EXIF orientation is not applied.</para>
/// </summary>
public static class JpegCodec
{
    /// <summary>Encodes at quality 1..100. Grey images give a 1-component JPEG; alpha is dropped; 16-bit is reduced to 8-bit.</summary>
    public static byte[] Encode(RasterImage img, int quality)
    {
        ArgumentNullException.ThrowIfNull(img);
        if (quality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(quality), quality, "JPEG quality must be 1..100");
        byte[] hwc = img.ToBytesHwc();
        SKImageInfo info;
        byte[] buf;
        if (img.Channels == 1)
        {
            info = new SKImageInfo(img.Width, img.Height, SKColorType.Gray8, SKAlphaType.Opaque);
            buf = hwc;
        }
        else
        {
            info = new SKImageInfo(img.Width, img.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
            buf = new byte[img.PlaneSize * 4];
            for (int i = 0, n = img.PlaneSize; i < n; i++)
            {
                buf[4 * i] = hwc[3 * i]; buf[4 * i + 1] = hwc[3 * i + 1]; buf[4 * i + 2] = hwc[3 * i + 2]; buf[4 * i + 3] = 255;
            }
        }
        unsafe
        {
            fixed (byte* p = buf)
            {
                using var pixmap = new SKPixmap(info, (IntPtr)p, info.RowBytes);
                using var data = pixmap.Encode(new SKJpegEncoderOptions(quality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore))
                    ?? throw new InvalidOperationException($"JPEG encoding of a {img.Width}x{img.Height} image failed");
                return data.ToArray();
            }
        }
    }

    /// <summary>Decodes a JPEG: grey files give 1 channel, colour files RGB. Errors name <paramref name="name"/>.</summary>
    public static RasterImage Decode(byte[] jpeg, string name)
    {
        using var stream = new SKMemoryStream(jpeg);
        using var codec = SKCodec.Create(stream, out var created)
            ?? throw new InvalidDataException($"image {name} (JPEG) is unreadable: {created}");
        bool grey = codec.Info.ColorType == SKColorType.Gray8;
        int w = codec.Info.Width, h = codec.Info.Height;
        var info = new SKImageInfo(w, h, grey ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        var buf = new byte[info.BytesSize];
        SKCodecResult result;
        unsafe { fixed (byte* p = buf) result = codec.GetPixels(info, (IntPtr)p); }
        if (result != SKCodecResult.Success)
            throw new InvalidDataException($"image {name} (JPEG) is {(result == SKCodecResult.IncompleteInput ? "truncated" : "corrupt")}: {result}");
        int plane = w * h;
        var px = new float[plane * (grey ? 1 : 3)];
        if (grey)
            for (int i = 0; i < plane; i++) px[i] = buf[i] / 255f;
        else
            for (int i = 0; i < plane; i++)
            {
                px[i] = buf[4 * i] / 255f; px[plane + i] = buf[4 * i + 1] / 255f; px[2 * plane + i] = buf[4 * i + 2] / 255f;
            }
        return new RasterImage(w, h, grey ? 1 : 3, px, null, 8);
    }

    /// <summary>Encodes at <paramref name="quality"/> and decodes again: the degraded image a CAR model sees.</summary>
    public static RasterImage RoundTrip(RasterImage img, int quality) => Decode(Encode(img, quality), $"<JPEG q{quality}>");
}
