using MambaIR.Imaging;

namespace MambaIR.Metrics;

/// <summary>
/// BasicSR <c>calculate_psnr</c>: uint8 HWC inputs, crop <c>crop_border</c>, optional Y channel
/// (<see cref="YCbCr.YChannel255"/>), MSE in float64 over all pixels and channels, 10·log10(255² / MSE).
/// Identical images give <see cref="double.PositiveInfinity"/> (BasicSR returns float('inf')).
/// </summary>
public static class Psnr
{
    /// <summary>PSNR in dB of two uint8 HWC buffers of the same shape.</summary>
    public static double Calculate(ReadOnlySpan<byte> img, ReadOnlySpan<byte> reference, int width, int height, int channels, int cropBorder = 0, bool testYChannel = false)
    {
        if (img.Length != reference.Length) throw new ArgumentException($"image sizes differ ({img.Length} vs {reference.Length} bytes)");
        var (a, _, _) = MetricInput.Prepare(img, width, height, channels, cropBorder, testYChannel);
        var (b, _, _) = MetricInput.Prepare(reference, width, height, channels, cropBorder, testYChannel);
        double sum = 0; long n = 0;
        for (int c = 0; c < a.Length; c++)
        {
            double[] pa = a[c], pb = b[c];
            for (int i = 0; i < pa.Length; i++) { double d = pa[i] - pb[i]; sum += d * d; }
            n += pa.Length;
        }
        double mse = sum / n;
        return mse == 0 ? double.PositiveInfinity : 10.0 * Math.Log10(255.0 * 255.0 / mse);
    }

    /// <summary>PSNR of two images after BasicSR's <c>tensor2img</c> quantisation (<see cref="RasterImage.ToBytesHwc"/>).</summary>
    public static double Calculate(RasterImage img, RasterImage reference, int cropBorder = 0, bool testYChannel = false)
    {
        MetricInput.CheckSameShape((img.Width, img.Height, img.Channels), (reference.Width, reference.Height, reference.Channels));
        return Calculate(img.ToBytesHwc(), reference.ToBytesHwc(), img.Width, img.Height, img.Channels, cropBorder, testYChannel);
    }
}
