using MambaIR.Imaging;

namespace MambaIR.Evaluation;

/// <summary>
/// The additive white Gaussian noise of the official denoising validation (<c>Dataset_GaussianDenoising</c>, test phase):
/// for every image the generator is re-seeded with <c>np.random.seed(0)</c>, then
/// <c>lq += np.random.normal(0, σ/255, lq.shape)</c> on the float32 H×W×C image in [0, 1] (RGB order for colour).
/// The sum is formed in double and stored as float32; the result is neither clipped nor quantised.
/// Bit-identical to the official noisy inputs because <see cref="NumpyRandom"/> reproduces numpy's stream.
/// </summary>
public static class GaussianNoise
{
    /// <summary>The seed the official validation uses for every image.</summary>
    public const uint OfficialSeed = 0;

    /// <summary>Adds the noise to an H×W×C (row-major, channel-last) float image in [0, 1], in place.</summary>
    public static void AddInPlace(Span<float> hwc, double sigma, uint seed = OfficialSeed)
    {
        if (!(sigma >= 0) || double.IsInfinity(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "noise level σ must be a finite number ≥ 0 (in 0-255 units)");
        var rng = new NumpyRandom(seed);
        double scale = sigma / 255.0;
        for (int i = 0; i < hwc.Length; i++)
            hwc[i] = (float)(hwc[i] + rng.Normal(0.0, scale));
    }

    /// <summary>
    /// A noisy copy of <paramref name="clean"/> (planar, values in [0, 1]). The noise is drawn in H×W×C order, as numpy
    /// draws it for the channel-last image, so every sample gets the value it gets in the official pipeline.
    /// </summary>
    public static RasterImage Apply(RasterImage clean, double sigma, uint seed = OfficialSeed)
    {
        int plane = clean.PlaneSize, channels = clean.Channels;
        var hwc = new float[plane * channels];
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < plane; i++) hwc[i * channels + c] = clean.Pixels[c * plane + i];
        AddInPlace(hwc, sigma, seed);
        var planar = new float[hwc.Length];
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < plane; i++) planar[c * plane + i] = hwc[i * channels + c];
        return new RasterImage(clean.Width, clean.Height, channels, planar, null, clean.BitDepth);
    }
}
