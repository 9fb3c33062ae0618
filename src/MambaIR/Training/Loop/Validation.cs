using MambaIR.Models;
using MambaIR.Imaging;
using MambaIR.Inference;
using MambaIR.Metrics;
using MambaIR.Text;
using MambaIR.Text.Evaluation;
using MambaIR.Text.Recognizers;
using MambaIR.Training.Data;
using MambaIR.Training.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Loop;

/// <summary>One validation set's metric values (mean over its images).</summary>
public sealed record ValidationSetResult(string Dataset, IReadOnlyList<(string Metric, double Value, bool HigherIsBetter)> Metrics, int Images);

/// <summary>
/// Validation as BasicSR's <c>nondist_validation</c> with MambaIR's tiled <c>test()</c>: for paired sets each LQ image goes
/// through the network with the official test tiling (⌊h/200⌋+1 × ⌊w/200⌋+1 tiles, 10 % overlap,
/// <see cref="TilingPolicy.Official"/>), the output is clamped and quantised as <c>tensor2img</c> does, and every
/// <c>val:metrics</c> entry (PSNR/SSIM with its <c>crop_border</c> and <c>test_y_channel</c>) is averaged over the set.
/// TextZoom sets run the TextZoom protocol (<see cref="TextZoomEvaluator"/>): PSNR/SSIM on the uint8 RGB 128×32 output
/// (BasicSR's, no crop) and word accuracy per recognizer (<c>accuracy_NAME</c>), PP-OCR by default.
/// </summary>
public sealed class Validator : IDisposable
{
    readonly ValidationOptions _opt;
    readonly List<(DatasetOptions Options, PairedImageDataset? Paired, TextZoomDataset? Text)> _sets = [];
    readonly List<ITextRecognizer> _recognizers = [];

    /// <summary>Notes for the log (e.g. a default recognizer that is not installed).</summary>
    public IReadOnlyList<string> Notes { get; }

    public Validator(IReadOnlyList<DatasetOptions> sets, ValidationOptions options)
    {
        _opt = options;
        var notes = new List<string>();
        try
        {
            foreach (var s in sets)
            {
                if (s.Kind == DatasetKind.TextZoom)
                {
                    foreach (var root in s.TextZoom!.Roots)
                        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"datasets:{s.Key}:dataroot: TextZoom LMDB folder not found: {Path.GetFullPath(root)}");
                    _sets.Add((s, null, new TextZoomDataset(s.TextZoom)));
                }
                else _sets.Add((s, new PairedImageDataset(s), null));
            }
            if (sets.Any(s => s.Kind == DatasetKind.TextZoom))
            {
                foreach (var spec in options.TextRecognizers)
                {
                    bool isDefault = options.TextRecognizers.Count == 1 && spec == "ppocr";
                    try { _recognizers.Add(TextRecognizerRegistry.Load(spec)); }
                    catch (Exception e) when (isDefault && e is ArgumentException or FileNotFoundException)
                    {
                        notes.Add("TextZoom word accuracy is not measured: the PP-OCR recognizer is not installed (scripts/install-ppocr.sh installs it)");
                    }
                }
            }
        }
        catch { Dispose(); throw; }
        Notes = notes;
    }

    /// <summary>Validates <paramref name="network"/> (the network being trained, as a <see cref="ModelDescriptor"/>: restore and evaluation run models the same way) on every set; saves the outputs as PNG under
    /// <paramref name="imageFolder"/>/{set}/{name}_{iter}.png when given.</summary>
    public IReadOnlyList<ValidationSetResult> Run(ModelDescriptor network, long iteration, string? imageFolder)
    {
        var results = new List<ValidationSetResult>();
        foreach (var (o, paired, text) in _sets)
            results.Add(paired != null ? RunPaired(o, paired, network, iteration, imageFolder) : RunText(o, text!, network));
        return results;
    }

    ValidationSetResult RunPaired(DatasetOptions o, PairedImageDataset data, ModelDescriptor network, long iteration, string? imageFolder)
    {
        if (data.Channels != network.InputChannels)
            throw new InvalidOperationException($"datasets:{o.Key}: {data.Channels}-channel images for a {network.InputChannels}-channel network");
        // MambaIR's and MambaIRv2's test tile every image (the official ~200 px tiles); the real-denoising
        // ImageCleanModel validates whole images (padded to a multiple of 8, as the U-Net does itself).
        var restorer = new ImageRestorer(network, network.Network is Models.UNet.MambaIRUNetConfig ? TilingPolicy.Whole : TilingPolicy.Official);
        var sums = new double[_opt.Metrics.Count];
        for (int i = 0; i < data.Count; i++)
        {
            var pair = data.LoadValidation(i);
            var sr = restorer.Restore(pair.Lq);
            if (sr.Width != pair.Gt.Width || sr.Height != pair.Gt.Height)
                throw new InvalidOperationException($"datasets:{o.Key}: {pair.Name}: output {sr.Width}×{sr.Height} but GT {pair.Gt.Width}×{pair.Gt.Height}");
            byte[] a = sr.ToBytesHwc(), b = pair.Gt.ToBytesHwc();
            for (int m = 0; m < _opt.Metrics.Count; m++)
            {
                var mo = _opt.Metrics[m];
                sums[m] += mo.Kind == MetricKind.Psnr
                    ? Psnr.Calculate(a, b, sr.Width, sr.Height, sr.Channels, mo.CropBorder, mo.TestYChannel)
                    : Ssim.Calculate(a, b, sr.Width, sr.Height, sr.Channels, mo.CropBorder, mo.TestYChannel);
            }
            if (imageFolder != null) ImageFile.Write(Path.Combine(imageFolder, Safe(o.Name), $"{pair.Name}_{iteration}.png"), sr);
        }
        return new ValidationSetResult(o.Name, _opt.Metrics.Select((m, k) => (m.Name, sums[k] / data.Count, m.HigherIsBetter)).ToArray(), data.Count);
    }

    ValidationSetResult RunText(DatasetOptions o, TextZoomDataset data, ModelDescriptor network)
    {
        var report = TextZoomEvaluator.Run([data], [network], _recognizers, new TextZoomEvalOptions { IncludeHighRes = false });
        var score = report.Rows[0].Subsets[0];
        var metrics = new List<(string, double, bool)>();
        foreach (var m in _opt.Metrics)
            metrics.Add((m.Name, (m.Kind == MetricKind.Psnr ? score.BasicSrPsnr : score.BasicSrSsim) ?? double.NaN, m.HigherIsBetter));
        foreach (var r in _recognizers) metrics.Add(($"accuracy_{r.Name}", score.Accuracy(r.Name), true));
        return new ValidationSetResult(o.Name, metrics, score.Samples);
    }

    static string Safe(string s) => new(s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());

    public void Dispose()
    {
        foreach (var (_, p, t) in _sets) { p?.Dispose(); t?.Dispose(); }
        foreach (var r in _recognizers) (r as IDisposable)?.Dispose();
        _sets.Clear();
        _recognizers.Clear();
    }
}
