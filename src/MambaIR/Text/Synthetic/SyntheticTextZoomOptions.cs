namespace MambaIR.Text.Synthetic;

/// <summary>Settings of <see cref="SyntheticTextZoomGenerator"/>. The defaults give TextZoom-like pairs: HR 128×32,
/// LR 64×16 degraded by random Gaussian blur, Gaussian noise and JPEG.</summary>
public sealed record SyntheticTextZoomOptions
{
    /// <summary>Seed; sample i depends only on (seed, i), so the first N samples are the same whatever the count.</summary>
    public int Seed { get; init; }

    /// <summary>Font files to draw from (default: the bundled DejaVu fonts, <see cref="FontLocator.Bundled"/>).</summary>
    public IReadOnlyList<string>? FontFiles { get; init; }

    /// <summary>HR size (width, height).</summary>
    public (int Width, int Height) HighResSize { get; init; } = (128, 32);

    /// <summary>LR size (width, height).</summary>
    public (int Width, int Height) LowResSize { get; init; } = (64, 16);

    /// <summary>Text is drawn at this multiple of the HR size and brought down with Pillow BICUBIC (antialiased glyph edges).</summary>
    public int RenderScale { get; init; } = 4;

    /// <summary>Blur σ (HR pixels) is drawn uniformly from [<see cref="MinBlurSigma"/>, <see cref="MaxBlurSigma"/>] before LR downscaling.</summary>
    public double MinBlurSigma { get; init; } = 0.3;

    /// <summary>Upper end of the blur σ range (HR pixels).</summary>
    public double MaxBlurSigma { get; init; } = 1.5;

    /// <summary>Gaussian noise σ on the LR image, in grey levels, drawn from [0, <see cref="MaxNoiseSigma"/>].</summary>
    public double MaxNoiseSigma { get; init; } = 6.0;

    /// <summary>LR JPEG quality drawn from [<see cref="MinJpegQuality"/>, <see cref="MaxJpegQuality"/>].</summary>
    public int MinJpegQuality { get; init; } = 40;

    /// <summary>Upper end of the JPEG quality range.</summary>
    public int MaxJpegQuality { get; init; } = 95;

    /// <summary>Text rotation drawn from ±this many degrees.</summary>
    public double MaxRotationDegrees { get; init; } = 3.0;

    /// <summary>
    /// Degradation presets mimicking TextZoom's subsets: <c>easy</c> (σ_blur 0.3–0.8, noise ≤ 3, JPEG 70–95),
    /// <c>medium</c> (0.6–1.2, ≤ 5, 50–90), <c>hard</c> (0.9–1.6, ≤ 8, 35–75); <c>mixed</c> is the default ranges.
    /// </summary>
    public static SyntheticTextZoomOptions ForDifficulty(string difficulty, int seed) => difficulty.ToLowerInvariant() switch
    {
        "easy" => new() { Seed = seed, MinBlurSigma = 0.3, MaxBlurSigma = 0.8, MaxNoiseSigma = 3, MinJpegQuality = 70, MaxJpegQuality = 95 },
        "medium" => new() { Seed = seed, MinBlurSigma = 0.6, MaxBlurSigma = 1.2, MaxNoiseSigma = 5, MinJpegQuality = 50, MaxJpegQuality = 90 },
        "hard" => new() { Seed = seed, MinBlurSigma = 0.9, MaxBlurSigma = 1.6, MaxNoiseSigma = 8, MinJpegQuality = 35, MaxJpegQuality = 75 },
        "mixed" => new() { Seed = seed },
        _ => throw new ArgumentException($"difficulty '{difficulty}': expected easy, medium, hard or mixed"),
    };
}
