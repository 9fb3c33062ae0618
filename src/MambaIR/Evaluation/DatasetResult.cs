namespace MambaIR.Evaluation;

/// <summary>The measurements on one test set.</summary>
/// <param name="Name">Display name (e.g. <c>Set5</c>).</param>
/// <param name="Location">The folder(s) the set was read from.</param>
/// <param name="Layout">How the folders were interpreted (which LR files, or that the LR was synthesised).</param>
/// <param name="Images">Per-image results, in evaluation (sorted name) order.</param>
/// <param name="Skipped">Images that could not be evaluated, with reasons.</param>
/// <param name="Seconds">Wall time for the whole set, including I/O and metrics.</param>
public sealed record DatasetResult(string Name, string Location, string Layout, IReadOnlyList<ImageResult> Images,
    IReadOnlyList<SkippedImage> Skipped, double Seconds)
{
    /// <summary>Arithmetic mean PSNR over the evaluated images (as BasicSR averages), NaN when none.</summary>
    public double MeanPsnr => Images.Count == 0 ? double.NaN : Images.Average(i => i.Psnr);

    /// <summary>Arithmetic mean SSIM over the evaluated images, NaN when none.</summary>
    public double MeanSsim => Images.Count == 0 ? double.NaN : Images.Average(i => i.Ssim);

    /// <summary>Time spent in the model / baseline over all images.</summary>
    public double RestoreSeconds => Images.Sum(i => i.Seconds);
}
