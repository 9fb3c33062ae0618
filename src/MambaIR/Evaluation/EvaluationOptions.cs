namespace MambaIR.Evaluation;

/// <summary>What to evaluate and how.</summary>
/// <param name="Task">The task.</param>
/// <param name="Level">Scale (SR), σ (denoising) or JPEG quality.</param>
/// <param name="Procedure">Tiling / self-ensemble for networks (baselines always run whole).</param>
/// <param name="FilenameTemplate">BasicSR <c>filename_tmpl</c> for LR names; null to detect it.</param>
/// <param name="SaveImagesDirectory">Where to write the restored images (<c>DIR/SET/NAME.png</c>), or null.</param>
public sealed record EvaluationOptions(RestorationTask Task, int Level, TestProcedure Procedure,
    string? FilenameTemplate = null, string? SaveImagesDirectory = null)
{
    /// <summary>How PSNR/SSIM are computed for <see cref="Task"/>.</summary>
    public MetricProtocol Metric => MetricProtocol.For(Task, Level);

    /// <summary>The pair source for <see cref="Task"/>.</summary>
    public ITestPairSource CreatePairSource() => Task switch
    {
        RestorationTask.SuperResolution => new SuperResolutionEvaluation(Level),
        RestorationTask.Denoising => new DenoiseEvaluation(Level),
        _ => new JpegEvaluation(Level),
    };
}

/// <summary>Progress after each image: which set and image, how many of the set are done, and what came of it.</summary>
/// <param name="Dataset">The set.</param>
/// <param name="Done">Images of this set processed (evaluated or skipped), including this one.</param>
/// <param name="Total">Images in this set, including those skipped at discovery.</param>
/// <param name="Result">The measurement, or null when the image was skipped.</param>
/// <param name="Skipped">Why it was skipped, or null.</param>
public readonly record struct EvaluationProgress(string Dataset, int Done, int Total, ImageResult? Result, SkippedImage? Skipped);
