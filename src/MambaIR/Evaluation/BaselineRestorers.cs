using MambaIR.Imaging;

namespace MambaIR.Evaluation;

/// <summary>
/// The bicubic SR baseline of the literature: the 8-bit LR upscaled ×s with MATLAB's <c>imresize(LR, s, 'bicubic')</c>
/// (<see cref="MatlabBicubic"/>, uint8 after each pass).
/// </summary>
public sealed class BicubicRestorer(int scale, int channels = 3) : IRestorer
{
    /// <inheritdoc/>
    public string Description => $"bicubic baseline: MATLAB imresize ×{Scale} ('bicubic', uint8), {Channels} channel(s)";

    /// <inheritdoc/>
    public int Scale { get; } = scale >= 1 ? scale : throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be ≥ 1");

    /// <inheritdoc/>
    public int Channels { get; } = channels;

    /// <inheritdoc/>
    public RasterImage Restore(RasterImage input)
    {
        return MatlabBicubic.Resize(input.ToOpaque8Bit(), input.Height * Scale, input.Width * Scale);
    }

    /// <inheritdoc/>
    public void Dispose() { }
}

/// <summary>The "no restoration" baseline for denoising and JPEG CAR: the degraded input itself is measured.</summary>
public sealed class IdentityRestorer(int channels = 3) : IRestorer
{
    /// <inheritdoc/>
    public string Description => $"identity baseline: the degraded input itself, {Channels} channel(s)";

    /// <inheritdoc/>
    public int Scale => 1;

    /// <inheritdoc/>
    public int Channels { get; } = channels;

    /// <inheritdoc/>
    public RasterImage Restore(RasterImage input) => input.Clone();

    /// <inheritdoc/>
    public void Dispose() { }
}
