using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MambaIR.Imaging;

/// <summary>Copies between ImageSharp pixel buffers and planar <see cref="RasterImage"/>s.</summary>
internal static class PixelConvert
{
    /// <summary>8-bit pixels → planar k/255f. Alpha is kept if <paramref name="keepAlpha"/> or any pixel is translucent.</summary>
    public static RasterImage FromRgba32(Image<Rgba32> img, int channels, bool keepAlpha)
    {
        int w = img.Width, h = img.Height, plane = w * h;
        var buf = new Rgba32[plane];
        img.CopyPixelDataTo(buf);
        var px = new float[plane * channels];
        bool translucent = false;
        for (int i = 0; i < plane; i++)
        {
            var p = buf[i];
            px[i] = p.R / 255f;
            if (channels == 3) { px[plane + i] = p.G / 255f; px[2 * plane + i] = p.B / 255f; }
            translucent |= p.A != 255;
        }
        float[]? alpha = null;
        if (keepAlpha || translucent)
        {
            alpha = new float[plane];
            for (int i = 0; i < plane; i++) alpha[i] = buf[i].A / 255f;
        }
        return new RasterImage(w, h, channels, px, alpha, 8);
    }

    /// <summary>16-bit pixels → planar v/65535f (16-bit image), or, with <paramref name="eightBit"/>, the exact 8-bit
    /// value k = v/257 as k/255f (for 8-bit data a decoder expanded to 16 bits).</summary>
    public static RasterImage FromRgba64(Image<Rgba64> img, int channels, bool keepAlpha, bool eightBit = false)
    {
        int w = img.Width, h = img.Height, plane = w * h;
        var buf = new Rgba64[plane];
        img.CopyPixelDataTo(buf);
        Func<ushort, float> f = eightBit ? v => (float)Math.Round(v / 257.0) / 255f : v => v / 65535f;
        var px = new float[plane * channels];
        bool translucent = false;
        for (int i = 0; i < plane; i++)
        {
            var p = buf[i];
            px[i] = f(p.R);
            if (channels == 3) { px[plane + i] = f(p.G); px[2 * plane + i] = f(p.B); }
            translucent |= p.A != 65535;
        }
        float[]? alpha = null;
        if (keepAlpha || translucent)
        {
            alpha = new float[plane];
            for (int i = 0; i < plane; i++) alpha[i] = f(buf[i].A);
        }
        return new RasterImage(w, h, channels, px, alpha, eightBit ? 8 : 16);
    }

    /// <summary>Planar → 8-bit RGBA (grey replicated; alpha 255 when absent or dropped).</summary>
    public static Image<Rgba32> ToRgba32(RasterImage img, bool dropAlpha = false)
    {
        int plane = img.PlaneSize;
        var buf = new Rgba32[plane];
        int g = img.Channels == 3 ? plane : 0, b = img.Channels == 3 ? 2 * plane : 0;
        var a = dropAlpha ? null : img.Alpha;
        var p = img.Pixels;
        for (int i = 0; i < plane; i++)
            buf[i] = new Rgba32(RasterImage.Quantize8(p[i]), RasterImage.Quantize8(p[g + i]), RasterImage.Quantize8(p[b + i]),
                                a == null ? (byte)255 : RasterImage.Quantize8(a[i]));
        return Image.LoadPixelData<Rgba32>(buf, img.Width, img.Height);
    }

    /// <summary>Planar → 16-bit RGBA (grey replicated; alpha 65535 when absent or dropped).</summary>
    public static Image<Rgba64> ToRgba64(RasterImage img, bool dropAlpha = false)
    {
        int plane = img.PlaneSize;
        var buf = new Rgba64[plane];
        int g = img.Channels == 3 ? plane : 0, b = img.Channels == 3 ? 2 * plane : 0;
        var a = dropAlpha ? null : img.Alpha;
        var p = img.Pixels;
        for (int i = 0; i < plane; i++)
            buf[i] = new Rgba64(RasterImage.Quantize16(p[i]), RasterImage.Quantize16(p[g + i]), RasterImage.Quantize16(p[b + i]),
                                a == null ? (ushort)65535 : RasterImage.Quantize16(a[i]));
        return Image.LoadPixelData<Rgba64>(buf, img.Width, img.Height);
    }
}
