namespace MambaIR.Text.Evaluation;

/// <summary>Scores of one SR model (or the HR reference) on one subset, or the sample-weighted average over subsets.</summary>
/// <param name="Subset">Subset name (<c>easy</c>...), or <c>average</c>.</param>
/// <param name="Samples">Images scored (skipped samples excluded).</param>
/// <param name="Psnr">TSRN-style PSNR (dB), mean over batches; null for the HR reference.</param>
/// <param name="Ssim">TSRN-style SSIM, mean over batches; null for the HR reference.</param>
/// <param name="Correct">Exact matches per recognizer.</param>
/// <param name="BasicSrPsnr">BasicSR <c>calculate_psnr</c> on uint8 RGB after <c>tensor2img</c>, no crop, mean over images; null for HR.</param>
/// <param name="BasicSrSsim">BasicSR <c>calculate_ssim</c>, same inputs; null for HR.</param>
public sealed record TextZoomScore(string Subset, int Samples, double? Psnr, double? Ssim, IReadOnlyDictionary<string, int> Correct,
    double? BasicSrPsnr = null, double? BasicSrSsim = null)
{
    /// <summary>Word accuracy (fraction) of <paramref name="recognizer"/>.</summary>
    public double Accuracy(string recognizer) => Samples == 0 ? 0 : (double)Correct[recognizer] / Samples;
}

/// <summary>One row of the report: a model's per-subset scores and their sample-weighted average.</summary>
public sealed record TextZoomModelScores(string Model, IReadOnlyList<TextZoomScore> Subsets, TextZoomScore Average);

/// <summary>A skipped sample and why.</summary>
public sealed record TextZoomSkip(string SampleId, string Reason);

/// <summary>
/// Result of <see cref="TextZoomEvaluator"/>: rows per model (and the HR reference when asked), recognizers used,
/// the batch size that defines the TSRN PSNR/SSIM averaging, and the skipped samples.
/// </summary>
public sealed record TextZoomReport(
    IReadOnlyList<TextZoomModelScores> Rows,
    IReadOnlyList<string> Recognizers,
    IReadOnlyList<string> NotComparableRecognizers,
    int BatchSize,
    IReadOnlyList<TextZoomSkip> Skipped);
