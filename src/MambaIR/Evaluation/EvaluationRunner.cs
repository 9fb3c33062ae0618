using System.Diagnostics;
using MambaIR.Imaging;
using MambaIR.Metrics;

namespace MambaIR.Evaluation;

/// <summary>
/// Runs a restorer over test sets and measures every image: read and degrade (<see cref="ITestPairSource"/>), restore,
/// quantise as BasicSR's <c>tensor2img</c> (clamp, ×255, round half to even), PSNR/SSIM with the task's protocol, and
/// optionally save the output. Problems with one image (missing LR, size mismatch, unreadable file) are recorded with
/// the file and the expectation and the run continues; a missing set is recorded and the other sets still run.
/// </summary>
public sealed class EvaluationRunner
{
    readonly IRestorer _restorer;
    readonly EvaluationOptions _options;
    readonly ITestPairSource _pairs;

    /// <summary>Checks that the restorer fits the task and level.</summary>
    /// <exception cref="ArgumentException">The restorer's scale differs from the requested one (named with both values).</exception>
    public EvaluationRunner(IRestorer restorer, EvaluationOptions options)
    {
        int expected = options.Task == RestorationTask.SuperResolution ? options.Level : 1;
        if (restorer.Scale != expected)
            throw new ArgumentException(options.Task == RestorationTask.SuperResolution
                ? $"model {options.Model} is a ×{restorer.Scale} model but --scale {options.Level} was requested; evaluate it with --scale {restorer.Scale} or use a ×{options.Level} checkpoint"
                : $"model {options.Model} upscales ×{restorer.Scale}, but --task {options.Task.ShortName()} needs a ×1 (same-size) model");
        _restorer = restorer;
        _options = options;
        _pairs = options.CreatePairSource();
    }

    /// <summary>Evaluates every set in order and returns all measurements, skips and problems.</summary>
    public EvaluationResult Run(IReadOnlyList<DatasetSpec> datasets, IProgress<EvaluationProgress>? progress = null, CancellationToken cancel = default)
    {
        var total = Stopwatch.StartNew();
        var results = new List<DatasetResult>();
        var problems = new List<string>();
        foreach (var spec in datasets)
        {
            var set = DatasetDiscovery.Discover(spec, _options.Task, _options.Level, _options.FilenameTemplate);
            if (set.Problem != null) problems.Add($"{set.Name}: {set.Problem}");
            results.Add(RunSet(set, progress, cancel));
        }
        return new EvaluationResult(_options.Model, _restorer.Description, _options.Task, _options.Level, _options.Procedure,
            _options.Metric, _options.Device, _pairs.Description, _options.PublishedTables, results, problems, total.Elapsed.TotalSeconds);
    }

    DatasetResult RunSet(EvaluationDataset set, IProgress<EvaluationProgress>? progress, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var images = new List<ImageResult>();
        var skipped = new List<SkippedImage>(set.Skipped);
        int count = set.Samples.Count + set.Skipped.Count, done = set.Skipped.Count;
        foreach (var s in set.Skipped) progress?.Report(new EvaluationProgress(set.Name, done, count, null, s));
        foreach (var sample in set.Samples)
        {
            cancel.ThrowIfCancellationRequested();
            ImageResult? result = null;
            SkippedImage? skip = null;
            try { result = Evaluate(set.Name, sample); }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                bool named = e.Message.Contains(sample.GroundTruthPath, StringComparison.Ordinal)
                             || (sample.InputPath != null && e.Message.Contains(sample.InputPath, StringComparison.Ordinal));
                skip = new SkippedImage(sample.Name, named ? e.Message : $"{sample.GroundTruthPath}: {e.Message}");
            }
            if (result != null) images.Add(result); else skipped.Add(skip!);
            progress?.Report(new EvaluationProgress(set.Name, ++done, count, result, skip));
        }
        return new DatasetResult(set.Name, set.Location, set.Layout, images, skipped, clock.Elapsed.TotalSeconds);
    }

    ImageResult Evaluate(string setName, EvaluationSample sample)
    {
        var pair = _pairs.Make(sample, _restorer.Channels);
        var clock = Stopwatch.StartNew();
        var output = _restorer.Restore(pair.Input);
        clock.Stop();
        var gt = pair.GroundTruth;
        if (output.Width != gt.Width || output.Height != gt.Height || output.Channels != gt.Channels)
            throw new InvalidDataException(
                $"{sample.GroundTruthPath}: the restored image is {output.Width}×{output.Height}×{output.Channels} but the ground truth is {gt.Width}×{gt.Height}×{gt.Channels}");
        var (psnr, ssim) = Measure(output, gt, _options.Metric);
        if (_options.SaveImagesDirectory != null)
            ImageFile.Write(Path.Combine(_options.SaveImagesDirectory, SafeName(setName), sample.Name + ".png"), output);
        return new ImageResult(sample.Name, sample.GroundTruthPath, sample.InputPath, output.Width, output.Height, psnr, ssim, clock.Elapsed.TotalSeconds);
    }

    static (double Psnr, double Ssim) Measure(RasterImage output, RasterImage gt, MetricProtocol protocol) =>
        (Psnr.Calculate(output, gt, protocol.CropBorder, protocol.YChannel),
         Ssim.Calculate(output, gt, protocol.CropBorder, protocol.YChannel));

    static string SafeName(string name) => string.Concat(name.Select(c => Path.GetInvalidFileNameChars().Contains(c) ? '_' : c));
}
