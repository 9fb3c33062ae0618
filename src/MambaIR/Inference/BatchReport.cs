namespace MambaIR.Inference;

/// <summary>A file (or command-line argument) that could not be restored, and why.</summary>
public sealed record BatchFailure(string Source, string Message);

/// <summary>A file that was restored, where the result went, and how long it took.</summary>
public sealed record BatchSuccess(string Source, string Output, TimeSpan Elapsed);

/// <summary>A file left alone, and why (e.g. its output exists and overwriting was not asked for).</summary>
public sealed record BatchSkip(string Source, string Output, string Reason);

/// <summary>
/// What happened to the inputs of a batch. <see cref="ExitCode"/>: 0 when everything was restored or skipped, 1 when
/// anything failed, 130 when the batch was cancelled (as shells report Ctrl+C).
/// </summary>
public sealed record BatchSummary(IReadOnlyList<BatchSuccess> Restored, IReadOnlyList<BatchSkip> Skipped, IReadOnlyList<BatchFailure> Failed,
    TimeSpan Elapsed, bool Cancelled = false)
{
    public int ExitCode => Cancelled ? 130 : Failed.Count > 0 ? 1 : 0;

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
