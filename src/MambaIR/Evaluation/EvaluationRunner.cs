using System.Diagnostics;
using MambaIR.Imaging;
using MambaIR.Inference;
using MambaIR.Metrics;
using MambaIR.Models;

namespace MambaIR.Evaluation;

/// <summary>
/// Runs a model over test sets and measures every image: read and degrade (<see cref="ITestPairSource"/>), restore,
/// quantise as BasicSR's <c>tensor2img</c> (clamp, ×255, round half to even), PSNR/SSIM with the task's protocol, and
/// optionally save the output. Problems with one image (missing LR, size mismatch, unreadable file) are recorded with
/// the file and the expectation and the run continues; a missing set is recorded and the other sets still run.
/// </summary>
public sealed class EvaluationRunner
{
    readonly ModelDescriptor _model;
    readonly ImageRestorer _restorer;
    readonly EvaluationOptions _options;
    readonly TestProcedure _procedure;
    readonly ITestPairSource _pairs;

    /// <summary>Checks that the model fits the task and level, and the procedure the model.</summary>
    /// <exception cref="ArgumentException">The model's scale differs from the requested one (named with both values), or a
    /// self-ensemble was asked of a baseline.</exception>
    public EvaluationRunner(ModelDescriptor model, EvaluationOptions options)
    {
        int expected = options.Task == RestorationTask.SuperResolution ? options.Level : 1;
        if (model.Scale != expected)
            throw new ArgumentException(options.Task == RestorationTask.SuperResolution
                ? $"model {model.Name} is a ×{model.Scale} model but scale {options.Level} was requested; evaluate it at ×{model.Scale} or use a ×{options.Level} model"
                : $"model {model.Name} upscales ×{model.Scale}, but {options.Task.Purpose().Describe(1)} needs a ×1 (same-size) model");
        if (model.IsBaseline && options.Procedure.SelfEnsemble)
            throw new ArgumentException($"the self-ensemble has no effect on the {model.Name} baseline; leave it out");
        // Baselines are defined on whole images: report what is actually done.
        _procedure = model.IsBaseline ? new TestProcedure(TilingMode.None, false) : options.Procedure;
        _model = model;
        _restorer = new ImageRestorer(model, _procedure.Tiling == TilingMode.Official ? TilingPolicy.Official : TilingPolicy.Whole, _procedure.SelfEnsemble);
        _options = options;
        _pairs = options.CreatePairSource();
    }

    /// <summary>The procedure applied (whole image for baselines, whatever was asked).</summary>
    public TestProcedure Procedure => _procedure;

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
        return new EvaluationResult(_model.Source ?? _model.Name, $"{_model.Summary}; {_procedure}", _options.Task, _options.Level, _procedure,
            _options.Metric, _model.Device.ToString(), _pairs.Description, PublishedResults.TablesFor(_options.Task, _model), results, problems,
            total.Elapsed.TotalSeconds);
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
        var pair = _pairs.Make(sample, _model.InputChannels);
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
