using MambaIR.Imaging;

namespace MambaIR.Metrics;

/// <summary>
/// BasicSR <c>calculate_ssim</c> (= Wang et al.'s MATLAB <c>ssim_index</c>, K = [0.01 0.03], L = 255): uint8 HWC
/// inputs, crop, optional Y channel, then per channel an 11×11 Gaussian window (σ = 1.5, <c>cv2.getGaussianKernel</c>)
/// over the valid region only (<c>cv2.filter2D</c> then <c>[5:-5, 5:-5]</c>), C1 = (0.01·255)², C2 = (0.03·255)²,
/// mean of the SSIM map; the result is the mean over channels. All in float64.
/// </summary>
public static class Ssim
{
    const int Size = 11, Half = 5;
    const double C1 = 0.01 * 255 * 0.01 * 255, C2 = 0.03 * 255 * 0.03 * 255;

    /// <summary>The normalised 1-D Gaussian of <c>cv2.getGaussianKernel(11, 1.5)</c>.</summary>
    public static readonly double[] Window1D = MakeWindow();

    static double[] MakeWindow()
    {
        var g = new double[Size];
        double scale2X = -0.5 / (1.5 * 1.5), sum = 0;
        for (int i = 0; i < Size; i++) { double x = i - (Size - 1) * 0.5; g[i] = Math.Exp(scale2X * x * x); sum += g[i]; }
        for (int i = 0; i < Size; i++) g[i] /= sum;
        return g;
    }

    /// <summary>SSIM of two uint8 HWC buffers of the same shape.</summary>
    public static double Calculate(ReadOnlySpan<byte> img, ReadOnlySpan<byte> reference, int width, int height, int channels, int cropBorder = 0, bool testYChannel = false)
    {
        if (img.Length != reference.Length) throw new ArgumentException($"image sizes differ ({img.Length} vs {reference.Length} bytes)");
        var (a, w, h) = MetricInput.Prepare(img, width, height, channels, cropBorder, testYChannel);
        var (b, _, _) = MetricInput.Prepare(reference, width, height, channels, cropBorder, testYChannel);
        if (w < Size || h < Size) throw new ArgumentException($"SSIM needs at least {Size}x{Size} pixels after cropping, got {w}x{h}");
        double total = 0;
        for (int c = 0; c < a.Length; c++) total += Plane(a[c], b[c], w, h);
        return total / a.Length;
    }

    /// <summary>SSIM of two images after <see cref="RasterImage.ToBytesHwc"/> quantisation.</summary>
    public static double Calculate(RasterImage img, RasterImage reference, int cropBorder = 0, bool testYChannel = false)
    {
        MetricInput.CheckSameShape((img.Width, img.Height, img.Channels), (reference.Width, reference.Height, reference.Channels));
        return Calculate(img.ToBytesHwc(), reference.ToBytesHwc(), img.Width, img.Height, img.Channels, cropBorder, testYChannel);
    }

    /// <summary>Mean SSIM map of one float64 plane pair (BasicSR <c>_ssim</c>).</summary>
    internal static double Plane(double[] a, double[] b, int w, int h)
    {
        int n = w * h;
        var aa = new double[n]; var bb = new double[n]; var ab = new double[n];
        for (int i = 0; i < n; i++) { aa[i] = a[i] * a[i]; bb[i] = b[i] * b[i]; ab[i] = a[i] * b[i]; }
        int ow = w - 2 * Half, oh = h - 2 * Half;
        var mu1 = Valid(a, w, h); var mu2 = Valid(b, w, h);
        var s11 = Valid(aa, w, h); var s22 = Valid(bb, w, h); var s12 = Valid(ab, w, h);
        double sum = 0;
        for (int i = 0; i < ow * oh; i++)
        {
            double m1 = mu1[i], m2 = mu2[i];
            double m1s = m1 * m1, m2s = m2 * m2, m12 = m1 * m2;
            double v1 = s11[i] - m1s, v2 = s22[i] - m2s, v12 = s12[i] - m12;
            sum += (2 * m12 + C1) * (2 * v12 + C2) / ((m1s + m2s + C1) * (v1 + v2 + C2));
        }
        return sum / (ow * oh);
    }

    /// <summary>Separable 11×11 Gaussian correlation, valid region only ((h−10)×(w−10)).</summary>
    static double[] Valid(double[] src, int w, int h)
    {
        int ow = w - 2 * Half, oh = h - 2 * Half;
        var g = Window1D;
        var rows = new double[h * ow];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < ow; x++)
            {
                double s = 0; int o = y * w + x;
                for (int k = 0; k < Size; k++) s += g[k] * src[o + k];
                rows[y * ow + x] = s;
            }
        var dst = new double[oh * ow];
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
            {
                double s = 0;
                for (int k = 0; k < Size; k++) s += g[k] * rows[(y + k) * ow + x];
                dst[y * ow + x] = s;
            }
        return dst;
    }
}
