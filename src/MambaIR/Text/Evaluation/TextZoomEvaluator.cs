using MambaIR.Models;
using TorchSharp;
using static TorchSharp.torch;
using MambaIR.Imaging;
using MambaIR.Metrics;
using MambaIR.Text.Recognizers;

namespace MambaIR.Text.Evaluation;

/// <summary>Options of <see cref="TextZoomEvaluator"/>.</summary>
public sealed record TextZoomEvalOptions
{
    /// <summary>
    /// Images per batch. TSRN-style PSNR/SSIM are computed per batch (all values of the batch pooled) and averaged over a
    /// subset's batches in dataset order, so this is part of their definition; 48 is what the TPGSR/TATT test scripts use.
    /// Accuracy does not depend on it.
    /// </summary>
    public int BatchSize { get; init; } = 48;

    /// <summary>Also score the recognizers on the HR images (the "HR" row: the recognizers' upper bound).</summary>
    public bool IncludeHighRes { get; init; } = true;

    /// <summary>Progress callback: (subset, images done, subset size).</summary>
    public Action<string, int, int>? Progress { get; init; }
}

/// <summary>
/// Runs the TextZoom protocol: for each subset, LR → SR model → (TSRN PSNR/SSIM against HR, BasicSR PSNR/SSIM on the
/// uint8 RGB images (no crop, mean over images), and each recognizer's
/// prediction compared with the label after lower-casing and keeping <c>[0-9a-z]</c>); accuracy per subset and the
/// sample-weighted average. Unusable samples are skipped, named and counted, and the run continues.
/// </summary>
public static class TextZoomEvaluator
{
    /// <summary>
    /// Throws <see cref="InvalidDataException"/> naming the model when it is not a ×2 RGB model: TextZoom pairs are 64×16 → 128×32.
    /// </summary>
    public static void Check(ModelDescriptor model)
    {
        if (model.Scale != 2 || model.InputChannels != 3)
            throw new InvalidDataException($"{model.Source ?? model.Name}: a ×{model.Scale} model with {model.InputChannels} input channel(s); TextZoom needs a ×2 RGB model");
    }

    /// <summary>Evaluates <paramref name="models"/> on <paramref name="subsets"/> with <paramref name="recognizers"/>.</summary>
    /// <exception cref="InvalidDataException">A model is not a ×2 RGB model (<see cref="Check"/>).</exception>
    public static TextZoomReport Run(IReadOnlyList<TextZoomDataset> subsets, IReadOnlyList<ModelDescriptor> models,
        IReadOnlyList<ITextRecognizer> recognizers, TextZoomEvalOptions? options = null)
    {
        options ??= new TextZoomEvalOptions();
        foreach (var m in models) Check(m);
        if (subsets.Count == 0) throw new ArgumentException("no TextZoom subset given");
        var names = models.Select(m => m.Name).Concat(options.IncludeHighRes ? ["HR"] : Array.Empty<string>()).ToArray();
        if (names.Length == 0) throw new ArgumentException("nothing to evaluate: no model and no HR row");
        if (names.Distinct(StringComparer.OrdinalIgnoreCase).Count() != names.Length) throw new ArgumentException($"duplicate model names: {string.Join(", ", names)}");
        var recNames = recognizers.Select(r => r.Name).ToArray();
        var perModel = names.ToDictionary(n => n, _ => new List<TextZoomScore>());
        var skipped = new List<TextZoomSkip>();

        foreach (var subset in subsets)
        {
            int skippedBefore = subset.Skipped.Count;
            var acc = names.ToDictionary(n => n, _ => new Accumulator(recNames));
            int done = 0;
            foreach (var batch in subset.Batches(options.BatchSize))
            {
                using (batch)
                using (var scope = torch.NewDisposeScope())
                using (var noGrad = torch.no_grad())
                {
                    var lq = batch.Lq[.., ..3].contiguous();
                    var gt = batch.Gt[.., ..3].contiguous();
                    foreach (var model in models)
                    {
                        var sr = model.Run(lq).to(torch.float32).cpu();
                        if (sr.shape[2] != gt.shape[2] || sr.shape[3] != gt.shape[3])
                            throw new InvalidOperationException($"{model.Name}: output {sr.shape[2]}×{sr.shape[3]} does not match HR {gt.shape[2]}×{gt.shape[3]} (expected a ×2 model)");
                        acc[model.Name].Add(sr, gt, batch.Labels, recognizers, scoreQuality: true);
                    }
                    if (options.IncludeHighRes) acc["HR"].Add(gt, gt, batch.Labels, recognizers, scoreQuality: false);
                }
                done += batch.Count;
                options.Progress?.Invoke(subset.Name, done, subset.Count);
            }
            foreach (var s in subset.Skipped.Skip(skippedBefore)) skipped.Add(new TextZoomSkip(s.SampleId, s.Reason));
            foreach (var n in names) perModel[n].Add(acc[n].Score(subset.Name));
        }

        var rows = names.Select(n => new TextZoomModelScores(n, perModel[n], Average(perModel[n], recNames))).ToArray();
        var notComparable = recognizers.Where(r => !TextRecognizerRegistry.IsComparable(r.Name)).Select(r => r.Name).ToArray();
        return new TextZoomReport(rows, recNames, notComparable, options.BatchSize, skipped);
    }

    /// <summary>Sample-weighted average over subsets (accuracy exactly: total correct / total images; PSNR/SSIM weighted by images).</summary>
    static TextZoomScore Average(IReadOnlyList<TextZoomScore> subsets, string[] recognizers)
    {
        int n = subsets.Sum(s => s.Samples);
        double? Weighted(Func<TextZoomScore, double?> f) =>
            n == 0 || subsets.Any(s => s.Samples > 0 && f(s) == null) ? null : subsets.Where(s => s.Samples > 0).Sum(s => f(s)!.Value * s.Samples) / n;
        return new TextZoomScore("average", n, Weighted(s => s.Psnr), Weighted(s => s.Ssim),
            recognizers.ToDictionary(r => r, r => subsets.Sum(s => s.Correct[r])), Weighted(s => s.BasicSrPsnr), Weighted(s => s.BasicSrSsim));
    }

    sealed class Accumulator(string[] recognizers)
    {
        int _samples, _batches;
        double _psnr, _ssim, _basicPsnr, _basicSsim;
        bool _quality;
        readonly Dictionary<string, int> _correct = recognizers.ToDictionary(r => r, _ => 0);

        public void Add(Tensor sr, Tensor gt, IReadOnlyList<string> labels, IReadOnlyList<ITextRecognizer> recs, bool scoreQuality)
        {
            _samples += labels.Count;
            if (scoreQuality)
            {
                _quality = true;
                _batches++;
                _psnr += TsrnMetrics.Psnr(sr, gt);
                _ssim += TsrnMetrics.Ssim(sr, gt);
                for (int i = 0; i < labels.Count; i++)
                {
                    var a = Rgb8Image.FromTensor(sr[i]);
                    var b = Rgb8Image.FromTensor(gt[i]);
                    _basicPsnr += MambaIR.Metrics.Psnr.Calculate(a.Pixels, b.Pixels, a.Width, a.Height, 3);
                    _basicSsim += MambaIR.Metrics.Ssim.Calculate(a.Pixels, b.Pixels, a.Width, a.Height, 3);
                }
            }
            foreach (var r in recs)
            {
                var pred = r.Recognize(sr);
                if (pred.Count != labels.Count) throw new InvalidOperationException($"recognizer {r.Name} returned {pred.Count} predictions for {labels.Count} images");
                for (int i = 0; i < labels.Count; i++)
                    if (TextNormalizer.IsMatch(pred[i], labels[i])) _correct[r.Name]++;
            }
        }

        public TextZoomScore Score(string subset)
        {
            bool q = _quality && _batches > 0;
            return new(subset, _samples, q ? _psnr / _batches : null, q ? _ssim / _batches : null, new Dictionary<string, int>(_correct),
                q ? _basicPsnr / _samples : null, q ? _basicSsim / _samples : null);
        }
    }
}
