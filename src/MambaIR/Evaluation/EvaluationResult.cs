namespace MambaIR.Evaluation;

/// <summary>One evaluation run: a model on one or more test sets at one task and degradation level.</summary>
/// <param name="Model">What was evaluated: a checkpoint path, or <c>bicubic</c> / <c>identity</c>.</param>
/// <param name="ModelDescription">A one-line description (architecture, scale, channels), for the report.</param>
/// <param name="Task">The task.</param>
/// <param name="Level">Scale (SR), σ (denoising) or JPEG quality.</param>
/// <param name="Procedure">How the network was run.</param>
/// <param name="Metric">How PSNR/SSIM were computed.</param>
/// <param name="Device">The compute device, e.g. <c>cpu</c>.</param>
/// <param name="Degradation">How the low-quality input was obtained (e.g. which JPEG encoder), for the report.</param>
/// <param name="PublishedTables">Which published tables to show beside the measurements (see <see cref="PublishedResult.Table"/>).</param>
/// <param name="Datasets">Per-set results, in the order given.</param>
/// <param name="Problems">Problems not tied to a single image (e.g. a dataset folder that does not exist).</param>
/// <param name="Seconds">Wall time of the whole run.</param>
public sealed record EvaluationResult(string Model, string ModelDescription, RestorationTask Task, int Level,
    TestProcedure Procedure, MetricProtocol Metric, string Device, string Degradation, IReadOnlyList<string> PublishedTables,
    IReadOnlyList<DatasetResult> Datasets, IReadOnlyList<string> Problems, double Seconds)
{
    /// <summary>Images evaluated over all sets.</summary>
    public int ImageCount => Datasets.Sum(d => d.Images.Count);

    /// <summary>Images skipped over all sets.</summary>
    public int SkippedCount => Datasets.Sum(d => d.Skipped.Count);

    /// <summary>Evaluated images per second of wall time (I/O and metrics included).</summary>
    public double ImagesPerSecond => Seconds > 0 ? ImageCount / Seconds : double.NaN;

    /// <summary>The published figures to show beside <paramref name="dataset"/>'s measurement.</summary>
    public IReadOnlyList<PublishedResult> PublishedFor(DatasetResult dataset) =>
        PublishedResults.Find(Task, Level, dataset.Name).Where(r => PublishedTables.Contains(r.Table)).ToList();
}
