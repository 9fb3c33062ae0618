// Hand-written: Pillow's fixed-point Resample.c transcribed so TextZoom crops are bit-identical to PIL's; other libraries' bicubic filters differ in support, antialiasing and rounding.
namespace MambaIR.Imaging;

/// <summary>
/// Pillow's <c>Image.resize(size, Image.BICUBIC)</c> for 8-bit images, transcribed from <c>libImaging/Resample.c</c>
/// (<c>ImagingResample</c> → <c>precompute_coeffs</c>, <c>normalize_coeffs_8bpc</c>, <c>ImagingResampleHorizontal_8bpc</c>,
/// <c>ImagingResampleVertical_8bpc</c>) so that results are bit-identical to PIL. This is what TextZoom uses to bring
/// HR crops to 128×32 and LR crops to 64×16.
/// <para>Definition, per axis (in → out samples; the whole image is the box):</para>
/// <list type="bullet">
/// <item>Kernel: Keys cubic with a = −0.5; support 2.</item>
/// <item>scale = in/out; filterscale = max(scale, 1); support = 2·filterscale (antialiasing on downscale).</item>
/// <item>Output sample x: center = (x + 0.5)·scale; taps j ∈ [trunc(center − support + 0.5), trunc(center + support + 0.5)),
/// clipped to [0, in) (no border padding); weight w_j = k((j − center + 0.5)/filterscale), normalised by the sum over the
/// kept taps (double precision).</item>
/// <item>Fixed point: w_j ← (int)(w_j·2^22 ± 0.5) (rounded half away from zero; PRECISION_BITS = 32 − 8 − 2 = 22).</item>
/// <item>Each output value = clip8((2^21 + Σ_j v_j·w_j) &gt;&gt; 22) with an arithmetic shift (floor) and clamping to [0, 255].</item>
/// <item>Two passes, horizontal first: the intermediate image is uint8; an axis whose size does not change is not resampled.
/// Same size on both axes is a copy.</item>
/// </list>
/// </summary>
public static class PillowBicubic
{
    /// <summary>Fractional bits of the fixed-point weights for 8-bit images: 32 − 8 − 2.</summary>
    public const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Support of the unscaled kernel.</summary>
    public const double Support = 2.0;

    /// <summary>Pillow's <c>bicubic_filter</c>: Keys cubic convolution with a = −0.5.</summary>
    public static double Kernel(double x)
    {
        const double a = -0.5;
        if (x < 0.0) x = -x;
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    /// <summary>Per-axis resampling plan: for output sample i, taps start at <see cref="First"/>[i], there are
    /// <see cref="Count"/>[i] of them, and their normalised double weights are <see cref="Weights"/>[i·KernelSize + t].</summary>
    public sealed record Coefficients(int KernelSize, int[] First, int[] Count, double[] Weights);

    /// <summary><c>precompute_coeffs</c> for the box [in0, in1) of an axis of <paramref name="inSize"/> samples.</summary>
    public static Coefficients Precompute(int inSize, double in0, double in1, int outSize)
    {
        if (inSize <= 0 || outSize <= 0) throw new ArgumentOutOfRangeException(nameof(outSize), $"sizes must be positive (in {inSize}, out {outSize})");
        double scale = (in1 - in0) / outSize;
        double filterscale = Math.Max(scale, 1.0);
        double support = Support * filterscale;
        int ksize = (int)Math.Ceiling(support) * 2 + 1;
        var first = new int[outSize];
        var count = new int[outSize];
        var kk = new double[outSize * ksize];
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = in0 + (xx + 0.5) * scale;
            double ss = 1.0 / filterscale;
            int xmin = Math.Max((int)(center - support + 0.5), 0);   // C cast: truncation toward zero
            int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++)
            {
                double w = Kernel((x + xmin - center + 0.5) * ss);
                kk[xx * ksize + x] = w;
                ww += w;
            }
            if (ww != 0.0)
                for (int x = 0; x < xmax; x++) kk[xx * ksize + x] /= ww;
            first[xx] = xmin;
            count[xx] = Math.Max(xmax, 0);
        }
        return new Coefficients(ksize, first, count, kk);
    }

    /// <summary><c>normalize_coeffs_8bpc</c>: weights to 22-bit fixed point, rounded half away from zero.</summary>
    public static int[] ToFixedPoint(double[] weights)
    {
        var k = new int[weights.Length];
        for (int i = 0; i < weights.Length; i++)
            k[i] = weights[i] < 0 ? (int)(-0.5 + weights[i] * (1 << PrecisionBits)) : (int)(0.5 + weights[i] * (1 << PrecisionBits));
        return k;
    }

    /// <summary>
    /// Resizes an interleaved 8-bit image (<paramref name="channels"/> samples per pixel, row-major, no padding) to
    /// <paramref name="outWidth"/>×<paramref name="outHeight"/> exactly as Pillow's BICUBIC does.
    /// </summary>
    public static byte[] Resize(ReadOnlySpan<byte> pixels, int width, int height, int channels, int outWidth, int outHeight)
    {
        if (width <= 0 || height <= 0 || channels <= 0) throw new ArgumentException($"invalid image size {width}×{height}×{channels}");
        if (outWidth <= 0 || outHeight <= 0) throw new ArgumentException($"invalid output size {outWidth}×{outHeight}");
        if (pixels.Length != width * height * channels)
            throw new ArgumentException($"pixel buffer has {pixels.Length} bytes, expected {width}×{height}×{channels} = {width * height * channels}");

        bool needH = outWidth != width, needV = outHeight != height;
        if (!needH && !needV) return pixels.ToArray();

        var horiz = Precompute(width, 0, width, outWidth);
        var vert = Precompute(height, 0, height, outHeight);
        byte[] src = pixels.ToArray();
        int srcW = width, srcH = height;
        int[] vFirst = (int[])vert.First.Clone();

        if (needH)
        {
            // Only the rows the vertical pass will read are resampled (Pillow's ybox_first/ybox_last).
            int yFirst = vert.First[0];
            int yLast = vert.First[outHeight - 1] + vert.Count[outHeight - 1];
            if (!needV) { yFirst = 0; yLast = height; }
            else for (int i = 0; i < outHeight; i++) vFirst[i] -= yFirst;
            src = Horizontal(src, srcW, channels, yFirst, yLast - yFirst, outWidth, horiz);
            srcW = outWidth;
            srcH = yLast - yFirst;
        }
        if (needV)
            src = Vertical(src, srcW, srcH, channels, outHeight, vert with { First = vFirst });
        return src;
    }

    static byte[] Horizontal(byte[] src, int width, int channels, int yOffset, int rows, int outWidth, Coefficients c)
    {
        int[] k = ToFixedPoint(c.Weights);
        var dst = new byte[outWidth * rows * channels];
        for (int yy = 0; yy < rows; yy++)
        {
            int rowIn = (yy + yOffset) * width * channels, rowOut = yy * outWidth * channels;
            for (int xx = 0; xx < outWidth; xx++)
            {
                int xmin = c.First[xx], n = c.Count[xx], kb = xx * c.KernelSize;
                for (int ch = 0; ch < channels; ch++)
                {
                    int ss = 1 << (PrecisionBits - 1);
                    for (int x = 0; x < n; x++) ss += src[rowIn + (x + xmin) * channels + ch] * k[kb + x];
                    dst[rowOut + xx * channels + ch] = Clip8(ss);
                }
            }
        }
        return dst;
    }

    static byte[] Vertical(byte[] src, int width, int height, int channels, int outHeight, Coefficients c)
    {
        int[] k = ToFixedPoint(c.Weights);
        var dst = new byte[width * outHeight * channels];
        int stride = width * channels;
        for (int yy = 0; yy < outHeight; yy++)
        {
            int ymin = c.First[yy], n = c.Count[yy], kb = yy * c.KernelSize;
            for (int i = 0; i < stride; i++)
            {
                int ss = 1 << (PrecisionBits - 1);
                for (int y = 0; y < n; y++) ss += src[(y + ymin) * stride + i] * k[kb + y];
                dst[yy * stride + i] = Clip8(ss);
            }
        }
        return dst;
    }

    /// <summary>Pillow's <c>clip8</c>: arithmetic shift by the precision, clamped to [0, 255].</summary>
    static byte Clip8(int ss)
    {
        int v = ss >> PrecisionBits;
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }
}
