namespace MambaIR.Evaluation;

/// <summary>One image to evaluate: its ground truth and, where the set provides it, its low-quality input.</summary>
/// <param name="Name">Image name (ground-truth file name without extension).</param>
/// <param name="GroundTruthPath">The HR / clean image.</param>
/// <param name="InputPath">The given LR input, or null when the input is synthesised from the ground truth.</param>
public sealed record EvaluationSample(string Name, string GroundTruthPath, string? InputPath);

/// <summary>A test set resolved on disk: the samples found, and the ground-truth files that cannot be paired.</summary>
/// <param name="Name">Display name.</param>
/// <param name="Location">The folder(s) used.</param>
/// <param name="Layout">How the folders were interpreted, for the report (e.g. <c>HR/x4 + LRBI/x4, '{}_LRBI_x4'</c>).</param>
/// <param name="Samples">The images to evaluate, sorted by name (ordinal).</param>
/// <param name="Skipped">Ground-truth images that cannot be evaluated (e.g. no LR file), with the reason.</param>
/// <param name="Problem">Set when the whole set is unusable (e.g. the folder does not exist or holds no images).</param>
public sealed record EvaluationDataset(string Name, string Location, string Layout, IReadOnlyList<EvaluationSample> Samples,
    IReadOnlyList<SkippedImage> Skipped, string? Problem = null);
