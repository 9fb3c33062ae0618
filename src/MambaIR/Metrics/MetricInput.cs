namespace MambaIR.Metrics;

/// <summary>
/// The common first steps of BasicSR's <c>calculate_psnr</c>/<c>calculate_ssim</c>: check shapes, crop
/// <c>crop_border</c> pixels on every side, optionally reduce to the Y channel, and return float64 planes.
/// </summary>
internal static class MetricInput
{
    /// <summary>Planes [channel][y·w + x] of the cropped region, plus its size.</summary>
    public static (double[][] Planes, int Width, int Height) Prepare(ReadOnlySpan<byte> hwc, int width, int height, int channels, int cropBorder, bool testYChannel)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"metrics take 1- or 3-channel images, got {channels}");
        if (hwc.Length != width * height * channels) throw new ArgumentException($"buffer has {hwc.Length} bytes, expected {height}x{width}x{channels}");
        if (cropBorder < 0) throw new ArgumentOutOfRangeException(nameof(cropBorder), cropBorder, "crop border must be >= 0");
        int w = width - 2 * cropBorder, h = height - 2 * cropBorder;
        if (w <= 0 || h <= 0) throw new ArgumentException($"crop border {cropBorder} leaves nothing of a {width}x{height} image");
        if (testYChannel)
        {
            var y = YCbCr.YChannel255(hwc, width, height, channels);
            return ([Crop(y, width, cropBorder, w, h)], w, h);
        }
        var planes = new double[channels][];
        for (int c = 0; c < channels; c++)
        {
            var p = new double[w * h];
            for (int yy = 0; yy < h; yy++)
                for (int x = 0; x < w; x++)
                    p[yy * w + x] = hwc[((yy + cropBorder) * width + x + cropBorder) * channels + c];
            planes[c] = p;
        }
        return (planes, w, h);
    }

    static double[] Crop(double[] full, int width, int b, int w, int h)
    {
        if (b == 0) return full;
        var r = new double[w * h];
        for (int y = 0; y < h; y++) Array.Copy(full, (y + b) * width + b, r, y * w, w);
        return r;
    }

    public static void CheckSameShape((int W, int H, int C) a, (int W, int H, int C) b)
    {
        if (a != b) throw new ArgumentException($"image shapes differ: {a.H}x{a.W}x{a.C} vs {b.H}x{b.W}x{b.C}");
    }
}
