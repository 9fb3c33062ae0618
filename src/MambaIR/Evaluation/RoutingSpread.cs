using MambaIR.Models;
using MambaIR.Models.V2;

namespace MambaIR.Evaluation;

/// <summary>Min, median, max, mean and sample standard deviation (n − 1) of one metric over the runs.</summary>
public sealed record SpreadStatistics(double Min, double Median, double Max, double Mean, double Std)
{
    /// <summary>The statistics of <paramref name="values"/> (NaN std for a single value).</summary>
    public static SpreadStatistics Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values");
        var sorted = values.OrderBy(v => v).ToArray();
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        double mean = sorted.Average();
        double std = n < 2 ? double.NaN : Math.Sqrt(sorted.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        return new SpreadStatistics(sorted[0], median, sorted[^1], mean, std);
    }
}

/// <summary>One test set's mean PSNR/SSIM under each routing seed, their spread, and the deterministic routing's value.</summary>
public sealed record DatasetSpread(string Dataset, IReadOnlyList<long> Seeds, IReadOnlyList<double> Psnr, IReadOnlyList<double> Ssim,
    double DeterministicPsnr, double DeterministicSsim)
{
    public SpreadStatistics PsnrSpread => SpreadStatistics.Of(Psnr);
    public SpreadStatistics SsimSpread => SpreadStatistics.Of(Ssim);
}

/// <summary>The result of <see cref="RoutingSpread.Run"/>: the deterministic evaluation and one per seed.</summary>
public sealed record RoutingSpreadResult(EvaluationResult Deterministic, IReadOnlyList<EvaluationResult> Stochastic, IReadOnlyList<long> Seeds,
    IReadOnlyList<DatasetSpread> Datasets);

/// <summary>
/// How much the official stochastic (Gumbel) routing moves a MambaIRv2 network's results: the same evaluation run once
/// with the deterministic routing and once per seed with <see cref="MambaIRv2Routing.Gumbel"/>, and per test set the
/// min / median / max / mean / standard deviation of the mean PSNR and SSIM over the seeds. The network's routing is
/// restored afterwards.
/// </summary>
public static class RoutingSpread
{
    /// <summary>Runs the evaluations; <paramref name="seeds"/> are the Gumbel seeds (at least two).</summary>
    /// <exception cref="ArgumentException">The model is not a MambaIRv2 network, or fewer than two seeds.</exception>
    public static RoutingSpreadResult Run(ModelDescriptor model, EvaluationOptions options, IReadOnlyList<DatasetSpec> datasets, IReadOnlyList<long> seeds,
        Action<long?, EvaluationResult>? onRun = null, IProgress<EvaluationProgress>? progress = null)
    {
        if (model.Model is not MambaIRv2Net net)
            throw new ArgumentException($"{model.Name} is {model.Network?.Architecture.Label() ?? "not a network"}; routing (and its spread) exists in MambaIRv2 networks only");
        if (seeds.Count < 2) throw new ArgumentException($"a spread needs at least two routing seeds, got {seeds.Count}");
        var before = net.Routing;
        try
        {
            net.Routing = MambaIRv2Routing.Deterministic;
            var det = new EvaluationRunner(model, options).Run(datasets, progress);
            onRun?.Invoke(null, det);
            var runs = new List<EvaluationResult>();
            foreach (var seed in seeds)
            {
                net.Routing = MambaIRv2Routing.Gumbel(seed);
                var r = new EvaluationRunner(model, options).Run(datasets, progress);
                onRun?.Invoke(seed, r);
                runs.Add(r);
            }
            var spreads = det.Datasets.Select((d, i) => new DatasetSpread(d.Name, seeds.ToArray(),
                runs.Select(r => r.Datasets[i].MeanPsnr).ToArray(), runs.Select(r => r.Datasets[i].MeanSsim).ToArray(), d.MeanPsnr, d.MeanSsim)).ToArray();
            return new RoutingSpreadResult(det, runs, seeds.ToArray(), spreads);
        }
        finally { net.Routing = before; }
    }
}
