using MambaIR.Imaging;

namespace MambaIR.Metrics;

/// <summary>
/// ITU-R BT.601 studio-range luma as BasicSR/MATLAB <c>rgb2ycbcr</c>: Y = 16 + 65.481 R + 128.553 G + 24.966 B for
/// R, G, B in [0, 1], giving Y in [16, 235]. BasicSR's images are BGR and it calls <c>bgr2ycbcr</c>; ours are RGB, so
/// the RGB weights are applied to RGB data (the same numbers).
/// </summary>
public static class YCbCr
{
    public const double Kr = 65.481, Kg = 128.553, Kb = 24.966, Offset = 16.0;

    /// <summary>
    /// BasicSR <c>to_y_channel</c> on uint8 HWC data, result on the [0, 255] scale and not rounded, bit for bit:
    /// x = float32(v) / 255 (float32); Y = 16 + dot(x, w) in float64; then float32(Y / 255) × 255 in float32.
    /// One-channel input is passed through as float32(v)/255·255 = v, as BasicSR does for a 1-channel array.
    /// </summary>
    public static double[] YChannel255(ReadOnlySpan<byte> hwc, int width, int height, int channels)
    {
        int n = width * height;
        if (hwc.Length != n * channels) throw new ArgumentException($"buffer has {hwc.Length} bytes, expected {height}x{width}x{channels}");
        var y = new double[n];
        if (channels == 1)
        {
            for (int i = 0; i < n; i++) y[i] = (float)(hwc[i] / 255f) * 255f;
            return y;
        }
        if (channels != 3) throw new ArgumentException($"Y channel needs 1 or 3 channels, got {channels}");
        for (int i = 0; i < n; i++)
        {
            double r = hwc[3 * i] / 255f, g = hwc[3 * i + 1] / 255f, b = hwc[3 * i + 2] / 255f;
            double v = b * Kb + g * Kg + r * Kr + Offset;       // numpy: np.dot(bgr, [24.966, 128.553, 65.481]) + 16
            y[i] = (float)(v / 255.0) * 255f;                  // _convert_output_type_range → float32, then × 255.
        }
        return y;
    }

    /// <summary>
    /// Y of a float RGB image in [0, 1], as <c>rgb2ycbcr(img, y_only=True)</c> on float32 input: a one-channel image
    /// with (16 + 65.481 R + 128.553 G + 24.966 B) / 255, in [16/255, 235/255]. Grey input is returned unchanged.
    /// </summary>
    public static RasterImage Y(RasterImage rgb)
    {
        if (rgb.Channels == 1) return rgb;
        int n = rgb.PlaneSize;
        var p = rgb.Pixels;
        var y = new float[n];
        for (int i = 0; i < n; i++)
            y[i] = (float)((p[i] * Kr + p[n + i] * Kg + p[2 * n + i] * Kb + Offset) / 255.0);
        return new RasterImage(rgb.Width, rgb.Height, 1, y, rgb.Alpha, rgb.BitDepth);
    }
}
