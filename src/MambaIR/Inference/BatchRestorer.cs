using System.Diagnostics;
using MambaIR.Imaging;

namespace MambaIR.Inference;

/// <summary>
/// Restores many files into an output folder.
/// <list type="bullet">
/// <item>Inputs are never overwritten, and different inputs never share an output (<see cref="OutputNaming.Plan"/> refuses such a run).</item>
/// <item>Outputs that already exist are skipped unless overwriting is asked for, so an interrupted run (or a shard) resumes.</item>
/// <item>The output folder is created and checked for writing before the first image is computed.</item>
/// <item>A file that fails (unreadable, corrupt, out of memory, cannot be written) is recorded and the batch goes on; write
/// errors name the output path.</item>
/// <item>Each result is written to a temporary file and renamed, so a crash never leaves a half-written output.</item>
/// <item>Cancellation stops after the current tile and returns the summary so far, marked <see cref="BatchSummary.Cancelled"/>.</item>
/// </list>
/// </summary>
public sealed class BatchRestorer(ImageRestorer restorer, OutputNaming naming, RestoreOutputSettings? output = null, bool overwrite = false)
{
    readonly RestoreOutputSettings _output = (output ?? new RestoreOutputSettings()).Validate();

    /// <summary>Plans the jobs of <paramref name="inputs"/> (this <paramref name="shard"/> of them) without restoring anything.</summary>
    /// <exception cref="OutputCollisionException">Two inputs would write the same output.</exception>
    public BatchPlan Plan(IEnumerable<string> inputs, bool recursive, Shard? shard = null)
    {
        var set = InputCollector.Collect(inputs, recursive, naming);
        var outputs = naming.Plan(set.Jobs);
        shard ??= Shard.All;
        var jobs = set.Jobs.Select((j, i) => new PlannedJob(j, outputs[i]))
            .Where(p => shard.Contains(Path.GetRelativePath(naming.OutputDirectory, p.Output))).ToList();
        return new BatchPlan(jobs, set.Problems, set.Jobs.Select(j => Path.GetFullPath(j.Source)).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>Plans (<see cref="Plan"/>) and restores <paramref name="inputs"/>.</summary>
    public BatchSummary Run(IEnumerable<string> inputs, bool recursive, IProgress<BatchProgress>? progress = null, CancellationToken cancel = default, Shard? shard = null) =>
        Run(Plan(inputs, recursive, shard), progress, cancel);

    /// <summary>Restores every job of <paramref name="plan"/>.</summary>
    /// <exception cref="IOException">The output folder cannot be created or written (before anything is computed).</exception>
    public BatchSummary Run(BatchPlan plan, IProgress<BatchProgress>? progress = null, CancellationToken cancel = default)
    {
        var total = Stopwatch.StartNew();
        var restored = new List<BatchSuccess>();
        var skipped = new List<BatchSkip>();
        var failed = new List<BatchFailure>(plan.Problems);
        if (plan.Jobs.Count > 0) CheckWritable(naming.OutputDirectory);

        for (int i = 0; i < plan.Jobs.Count; i++)
        {
            if (cancel.IsCancellationRequested) return new BatchSummary(restored, skipped, failed, total.Elapsed, Cancelled: true);
            var (job, target) = plan.Jobs[i];
            void Report(BatchStage stage, TileProgress tiles = default, string? detail = null) =>
                progress?.Report(new BatchProgress(i, plan.Jobs.Count, job.Source, stage, tiles, detail));

            if (plan.Sources.Contains(target))
            {
                skipped.Add(new BatchSkip(job.Source, target, SkipReason.OutputIsInput));
                Report(BatchStage.Skipped, detail: SkipReason.OutputIsInput.Describe());
                continue;
            }
            if (!overwrite && File.Exists(target))
            {
                skipped.Add(new BatchSkip(job.Source, target, SkipReason.OutputExists));
                Report(BatchStage.Skipped, detail: SkipReason.OutputExists.Describe());
                continue;
            }
            var watch = Stopwatch.StartNew();
            try
            {
                var image = ImageFile.Read(job.Source);
                var strategy = restorer.StrategyFor(image.Height, image.Width);
                Report(BatchStage.Started, new TileProgress(0, strategy.TileCount(image.Height, image.Width)),
                    $"{image.Width}×{image.Height}, {image.Channels} ch{(image.Alpha != null ? " + alpha" : "")}, {image.BitDepth}-bit, {strategy.Description}");
                var result = restorer.Restore(image, strategy, new SyncProgress<TileProgress>(t => Report(BatchStage.Tile, t)), cancel);
                if (_output.OutScale is { } s) result = Resample(result, image, s).WithMetadata(image.Metadata);
                var warnings = ImageFile.Write(target, result, new ImageWriteOptions
                {
                    Format = naming.FormatFor(job), Quality = _output.Quality, PngCompression = _output.PngCompression ?? 6,
                    StripMetadata = _output.StripMetadata,
                });
                restored.Add(new BatchSuccess(job.Source, target, watch.Elapsed, warnings));
                Report(BatchStage.Restored, detail: target);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return new BatchSummary(restored, skipped, failed, total.Elapsed, Cancelled: true);
            }
            catch (Exception e)
            {
                failed.Add(new BatchFailure(job.Source, e.Message, OutOfMemory.IsOutOfMemory(e)));
                Report(BatchStage.Failed, detail: e.Message);
            }
        }
        return new BatchSummary(restored, skipped, failed, total.Elapsed);
    }

    static RasterImage Resample(RasterImage result, RasterImage input, double outScale)
    {
        int h = Math.Max(1, (int)Math.Round(input.Height * outScale)), w = Math.Max(1, (int)Math.Round(input.Width * outScale));
        return h == result.Height && w == result.Width ? result : ImageResampler.Resize(result, h, w);
    }

    /// <summary>Creates <paramref name="folder"/> and writes and deletes a probe file in it.</summary>
    /// <exception cref="IOException">Naming the folder and the reason.</exception>
    public static void CheckWritable(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".mambair-write-check.{Environment.ProcessId}.tmp");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"output folder {folder} cannot be written ({e.Message}); choose another output folder or fix its permissions", e);
        }
    }
}

/// <summary>Jobs to run with their output paths, arguments that named nothing usable, and every input of the whole run.</summary>
public sealed record BatchPlan(IReadOnlyList<PlannedJob> Jobs, IReadOnlyList<BatchFailure> Problems, IReadOnlySet<string> Sources);

/// <summary>One input and its output path.</summary>
public sealed record PlannedJob(ImageJob Job, string Output);
