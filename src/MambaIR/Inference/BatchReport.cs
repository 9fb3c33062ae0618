namespace MambaIR.Inference;

/// <summary>A file (or named input) that could not be restored, and why; <paramref name="OutOfMemory"/> when memory ran out.</summary>
public sealed record BatchFailure(string Source, string Message, bool OutOfMemory = false);

/// <summary>A file that was restored, where the result went, how long it took, and what the output format could not keep.</summary>
public sealed record BatchSuccess(string Source, string Output, TimeSpan Elapsed, IReadOnlyList<string>? Warnings = null);

/// <summary>A file left alone, and why.</summary>
public sealed record BatchSkip(string Source, string Output, SkipReason Reason);

/// <summary>Why a file was left alone.</summary>
public enum SkipReason
{
    /// <summary>Its output exists and overwriting was not asked for (a rerun resumes this way).</summary>
    OutputExists,
    /// <summary>Its output path is an input file of this run, which is never overwritten.</summary>
    OutputIsInput,
}

/// <summary>Words for <see cref="SkipReason"/>.</summary>
public static class SkipReasons
{
    /// <summary>A few words.</summary>
    public static string Describe(this SkipReason reason) => reason switch
    {
        SkipReason.OutputExists => "output exists",
        _ => "the output would replace an input file, which is never overwritten",
    };
}

/// <summary>
/// What happened to the inputs of a batch. <see cref="ExitCode"/>: 0 when everything was restored or skipped, 3 when a
/// file failed for lack of memory, 1 when anything else failed, 130 when the batch was cancelled (as shells report Ctrl+C).
/// </summary>
public sealed record BatchSummary(IReadOnlyList<BatchSuccess> Restored, IReadOnlyList<BatchSkip> Skipped, IReadOnlyList<BatchFailure> Failed,
    TimeSpan Elapsed, bool Cancelled = false)
{
    public int ExitCode => Cancelled ? 130 : Failed.Any(f => f.OutOfMemory) ? 3 : Failed.Count > 0 ? 1 : 0;

    /// <summary>One line: counts and total time.</summary>
    public override string ToString() =>
        $"{Restored.Count} restored, {Skipped.Count} skipped, {Failed.Count} failed in {Elapsed.TotalSeconds:F1} s{(Cancelled ? " (cancelled)" : "")}";
}

/// <summary>Where a batch stands: image <see cref="Index"/> (0-based) of <see cref="Count"/>, what happens to it, and its tile progress.</summary>
public sealed record BatchProgress(int Index, int Count, string Source, BatchStage Stage, TileProgress Tiles = default, string? Detail = null);

/// <summary>What a <see cref="BatchProgress"/> event reports.</summary>
public enum BatchStage
{
    /// <summary>The image was read; <see cref="BatchProgress.Detail"/> describes its size and tiling.</summary>
    Started,
    /// <summary>A tile finished.</summary>
    Tile,
    /// <summary>The result was written to <see cref="BatchProgress.Detail"/>.</summary>
    Restored,
    /// <summary>The image was left alone; <see cref="BatchProgress.Detail"/> says why.</summary>
    Skipped,
    /// <summary>The image failed; <see cref="BatchProgress.Detail"/> is the error.</summary>
    Failed,
}
