namespace MambaIR.Evaluation;

/// <summary>The measurement for one test image.</summary>
/// <param name="Name">Image name (the ground-truth file name without extension).</param>
/// <param name="GroundTruthPath">The ground-truth (HR / clean) file.</param>
/// <param name="InputPath">The low-quality input file, or null when the input was synthesised (bicubic LR, noise, JPEG).</param>
/// <param name="Width">Width of the measured output (before the metric crop).</param>
/// <param name="Height">Height of the measured output (before the metric crop).</param>
/// <param name="Psnr">PSNR in dB (+∞ when identical).</param>
/// <param name="Ssim">SSIM.</param>
/// <param name="Seconds">Time spent restoring this image (model / baseline only, without I/O and metrics).</param>
public sealed record ImageResult(string Name, string GroundTruthPath, string? InputPath, int Width, int Height,
    double Psnr, double Ssim, double Seconds);

/// <summary>A test image that could not be evaluated, with the reason (which file, what was expected).</summary>
/// <param name="Name">Image name, or the file name when no name could be derived.</param>
/// <param name="Reason">What went wrong, naming the file and the expectation.</param>
public sealed record SkippedImage(string Name, string Reason);
