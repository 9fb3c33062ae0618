using System.Runtime.InteropServices;
using MambaIR.Imaging;
using SkiaSharp;

namespace MambaIR.Evaluation;

/// <summary>
/// JPEG encode + decode at quality q through libjpeg-turbo (bundled with SkiaSharp): the same library, quality scaling,
/// 4:2:0 sampling for colour, integer DCT and fancy up-sampling as OpenCV's <c>cv2.imencode('.jpg', img,
/// [IMWRITE_JPEG_QUALITY, q])</c> followed by <c>cv2.imdecode</c>, which made the official CAR inputs. The decoded pixels
/// were checked identical to OpenCV 4.6's (Debian build, libjpeg-turbo) on all 19 Set5/Set14 images, grey at q 10/30/40
/// and colour at q 10/40/90; the files' bytes differ (headers), not the pixels.
/// </summary>
public static class LibJpegRoundTrip
{
    /// <summary>The JPEG-degraded copy of an 8-bit grey or RGB image (alpha ignored).</summary>
    public static RasterImage Apply(RasterImage image, int quality)
    {
        if (quality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(quality), quality, "JPEG quality must be 1..100");
        int w = image.Width, h = image.Height;
        byte[] hwc = image.ToBytesHwc();
        bool grey = image.Channels == 1;
        var colorType = grey ? SKColorType.Gray8 : SKColorType.Rgba8888;
        byte[] pixels = grey ? hwc : ToRgba(hwc);
        byte[] jpeg;
        using (var bitmap = new SKBitmap(new SKImageInfo(w, h, colorType, SKAlphaType.Opaque)))
        {
            Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
            using var img = SKImage.FromBitmap(bitmap);
            using var data = img.Encode(SKEncodedImageFormat.Jpeg, quality)
                ?? throw new InvalidOperationException($"libjpeg (SkiaSharp) could not encode a {w}×{h} image at quality {quality}");
            jpeg = data.ToArray();
        }
        using var decoded = SKBitmap.Decode(jpeg, new SKImageInfo(w, h, colorType, SKAlphaType.Opaque))
            ?? throw new InvalidOperationException($"libjpeg (SkiaSharp) could not decode its own quality-{quality} JPEG");
        var raw = new byte[pixels.Length];
        Marshal.Copy(decoded.GetPixels(), raw, 0, raw.Length);
        return RasterImage.FromBytesHwc(grey ? raw : FromRgba(raw), w, h, image.Channels);
    }

    static byte[] ToRgba(byte[] rgb)
    {
        var rgba = new byte[rgb.Length / 3 * 4];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgba[j] = rgb[i]; rgba[j + 1] = rgb[i + 1]; rgba[j + 2] = rgb[i + 2]; rgba[j + 3] = 255;
        }
        return rgba;
    }

    static byte[] FromRgba(byte[] rgba)
    {
        var rgb = new byte[rgba.Length / 4 * 3];
        for (int i = 0, j = 0; j < rgba.Length; i += 3, j += 4)
        {
            rgb[i] = rgba[j]; rgb[i + 1] = rgba[j + 1]; rgb[i + 2] = rgba[j + 2];
        }
        return rgb;
    }
}
