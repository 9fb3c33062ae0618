using System.Diagnostics;
using MambaIR.Imaging;

namespace MambaIR.Inference;

/// <summary>
/// Restores many files into an output folder. Never writes over an input file unless <paramref name="overwrite"/> is set;
/// outputs that already exist are skipped unless <paramref name="overwrite"/> is set (so an interrupted run can be resumed);
/// a file that fails (unreadable, corrupt, out of memory, ...) is recorded and the batch goes on. Each result is written to a
/// temporary file first and renamed, so a crash never leaves a half-written output. Cancellation stops after the current
/// tile and returns the summary so far, marked <see cref="BatchSummary.Cancelled"/>.
/// </summary>
public sealed class BatchRestorer(ImageRestorer restorer, OutputNaming naming, bool overwrite = false)
{
    public BatchSummary Run(IEnumerable<string> inputs, bool recursive, IProgress<BatchProgress>? progress = null, CancellationToken cancel = default)
    {
        var total = Stopwatch.StartNew();
        var set = InputCollector.Collect(inputs, recursive, naming.OutputDirectory);
        var outputs = naming.Plan(set.Jobs);
        var sources = set.Jobs.Select(j => Path.GetFullPath(j.Source)).ToHashSet(StringComparer.Ordinal);
        var restored = new List<BatchSuccess>();
        var skipped = new List<BatchSkip>();
        var failed = new List<BatchFailure>(set.Problems);

        for (int i = 0; i < set.Jobs.Count; i++)
        {
            if (cancel.IsCancellationRequested) return new BatchSummary(restored, skipped, failed, total.Elapsed, Cancelled: true);
            var job = set.Jobs[i];
            string output = outputs[i];
            void Report(BatchStage stage, TileProgress tiles = default, string? detail = null) =>
                progress?.Report(new BatchProgress(i, set.Jobs.Count, job.Source, stage, tiles, detail));

            if (!overwrite && File.Exists(output))
            {
                string reason = sources.Contains(output)
                    ? "the output would replace an input file (use a different -o or --suffix, or --overwrite)"
                    : "output exists (use --overwrite to replace it)";
                skipped.Add(new BatchSkip(job.Source, output, reason));
                Report(BatchStage.Skipped, detail: reason);
                continue;
            }
            var watch = Stopwatch.StartNew();
            try
            {
                var image = ImageFile.Read(job.Source);
                var strategy = restorer.StrategyFor(image.Height, image.Width);
                Report(BatchStage.Started, new TileProgress(0, strategy.TileCount(image.Height, image.Width)),
                    $"{image.Width}×{image.Height}, {image.Channels} ch{(image.Alpha != null ? " + alpha" : "")}, {image.BitDepth}-bit, {strategy.Description}");
                var result = restorer.Restore(image, new TileReporter(t => Report(BatchStage.Tile, t)), cancel);
                WriteAtomically(output, result);
                restored.Add(new BatchSuccess(job.Source, output, watch.Elapsed));
                Report(BatchStage.Restored, detail: output);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return new BatchSummary(restored, skipped, failed, total.Elapsed, Cancelled: true);
            }
            catch (Exception e)
            {
                failed.Add(new BatchFailure(job.Source, e.Message));
                Report(BatchStage.Failed, detail: e.Message);
            }
        }
        return new BatchSummary(restored, skipped, failed, total.Elapsed);
    }

    static void WriteAtomically(string path, RasterImage image)
    {
        byte[] bytes = ImageFile.Encode(image, Path.GetExtension(path));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Forwards tile progress synchronously (System.Progress would post it to the thread pool, out of order).</summary>
    sealed class TileReporter(Action<TileProgress> report) : IProgress<TileProgress>
    {
        public void Report(TileProgress value) => report(value);
    }
}
