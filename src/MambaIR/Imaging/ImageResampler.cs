using NetVips;
using VImage = NetVips.Image;

namespace MambaIR.Imaging;

/// <summary>
/// Resizes to any output size (a restore's arbitrary output scale, Real-ESRGAN's <c>-s</c>) with libvips' Lanczos-3
/// (<c>vips_resize</c>, kernel lanczos3, no box pre-shrink), computed in float on the image's samples (no 8-bit
/// rounding in between). Alpha is premultiplied before and divided out after, so transparent pixels do not bleed
/// colour into their neighbours. Results are clamped to [0, 1] (Lanczos rings past the input range at sharp edges).
/// Bit depth and metadata are kept.
/// </summary>
public static class ImageResampler
{
    /// <summary>The image resampled to exactly <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static RasterImage Resize(RasterImage image, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"output size must be positive, got {width}x{height}");
        if (height == image.Height && width == image.Width) return image.Clone();
        VipsCodec.EnsureInitialized();
        int plane = image.PlaneSize, ch = image.Channels;
        bool alpha = image.Alpha != null;
        int bands = ch + (alpha ? 1 : 0);
        var hwc = new float[(long)plane * bands];
        for (int i = 0; i < plane; i++)
        {
            for (int c = 0; c < ch; c++) hwc[i * bands + c] = image.Pixels[c * plane + i];
            if (alpha) hwc[i * bands + ch] = Math.Clamp(image.Alpha![i], 0f, 1f);
        }
        var chain = new List<VImage>();
        VImage Track(VImage v) { chain.Add(v); return v; }
        float[] result;
        try
        {
            var im = Track(VImage.NewFromMemory(hwc, image.Width, image.Height, bands, Enums.BandFormat.Float));
            im = Track(im.Copy(interpretation: Enums.Interpretation.Multiband));
            if (alpha) im = Track(im.Premultiply(maxAlpha: 1.0));
            im = Track(im.Resize(width / (double)image.Width, kernel: Enums.Kernel.Lanczos3, gap: 0.0, vscale: height / (double)image.Height));
            if (alpha) im = Track(im.Unpremultiply(maxAlpha: 1.0));
            if (im.Width != width || im.Height != height)
                throw new InvalidOperationException($"libvips resized {image.Width}x{image.Height} to {im.Width}x{im.Height}, not the {width}x{height} asked for");
            if (im.Format != Enums.BandFormat.Float) im = Track(im.Cast(Enums.BandFormat.Float));
            result = im.WriteToMemory<float>();
        }
        catch (VipsException e)
        {
            throw new InvalidOperationException($"resizing {image.Width}x{image.Height} to {width}x{height} failed (libvips: {VipsCodec.Describe(e)})", e);
        }
        finally
        {
            for (int i = chain.Count - 1; i >= 0; i--) chain[i].Dispose();
        }
        int outPlane = width * height;
        var px = new float[outPlane * ch];
        float[]? a = alpha ? new float[outPlane] : null;
        for (int i = 0; i < outPlane; i++)
        {
            for (int c = 0; c < ch; c++) px[c * outPlane + i] = Math.Clamp(result[i * bands + c], 0f, 1f);
            if (a != null) a[i] = Math.Clamp(result[i * bands + ch], 0f, 1f);
        }
        return new RasterImage(width, height, ch, px, a, image.BitDepth) { Metadata = image.Metadata };
    }
}
