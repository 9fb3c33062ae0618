using System.Diagnostics;
using MambaIR.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Inference;

/// <summary>
/// Measures how fast a network restores square tiles of a few sizes, so that <see cref="TilingPolicy.Auto"/> can pick the
/// fastest size instead of guessing. Speed is the useful area per second: a tile of side T in blended tiling advances by
/// T − overlap, so its worth is (T − overlap)² pixels per call. Large calls are not always faster per pixel: on a CPU, big
/// temporaries cost page faults (a 1000×750 photo as one call was 2.5× slower than 256-pixel tiles), on a GPU small ones
/// leave the device idle. Measurements are kept per model and extended on demand, and bounded in time.
/// </summary>
public sealed class TileSpeedProbe(ModelDescriptor model, Func<Tensor, Tensor> forward)
{
    /// <summary>Sizes measured, smallest first.</summary>
    public static IReadOnlyList<int> Candidates { get; } = [64, 128, 256, 512, 1024, 2048];

    /// <summary>Calibration stops once it has taken this share of the work it is choosing for (and at least <see cref="MinBudget"/>).</summary>
    public const double BudgetShare = 0.15;

    /// <summary>Calibration may always take this long.</summary>
    public static readonly TimeSpan MinBudget = TimeSpan.FromSeconds(2);

    readonly SortedDictionary<int, double> _seconds = new();
    bool _warm;
    TimeSpan _spent;

    /// <summary>Seconds per call measured so far, by tile side.</summary>
    public IReadOnlyDictionary<int, double> Seconds => _seconds;

    /// <summary>Useful pixels per second of a tile of <paramref name="tile"/> with blended overlap.</summary>
    public double Speed(int tile) => _seconds.TryGetValue(tile, out var s) ? Math.Pow(tile - BlendedTiling.DefaultOverlap(tile), 2) / s : 0;

    /// <summary>
    /// The fastest measured tile side not above <paramref name="maxTile"/> (memory) for an image of
    /// <paramref name="pixels"/> pixels, measuring sizes up to <paramref name="maxTile"/> and <paramref name="neededSide"/>
    /// while it pays: measuring stops past the fastest size (speed below 85 % of the best) or when the next size would take
    /// calibration over its time budget.
    /// </summary>
    public int Fastest(int maxTile, int neededSide, long pixels)
    {
        int best = 0;
        foreach (int tile in Candidates)
        {
            if (tile > maxTile) break;
            if (!_seconds.ContainsKey(tile))
            {
                if (best > 0 && tile > neededSide * 2) break;
                if (best > 0)
                {
                    double bestSpeed = Speed(best);
                    double predicted = _seconds[best] * Math.Pow((double)tile / best, 2);
                    double work = pixels / bestSpeed;
                    var budget = TimeSpan.FromSeconds(Math.Max(MinBudget.TotalSeconds, BudgetShare * work));
                    if (_spent + TimeSpan.FromSeconds(predicted) > budget) break;
                }
                Measure(tile);
            }
            if (best == 0 || Speed(tile) > Speed(best)) best = tile;
            else if (Speed(tile) < 0.85 * Speed(best)) break;
        }
        return best;
    }

    void Measure(int tile)
    {
        var clock = Stopwatch.StartNew();
        if (!_warm) { Time(Candidates[0]); _warm = true; }
        double first = Time(tile);
        _seconds[tile] = first < 1.5 ? Math.Min(first, Time(tile)) : first;   // short calls: the faster of two (load noise)
        _spent += clock.Elapsed;
    }

    double Time(int side)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = rand(new long[] { 1, model.InputChannels, side, side }, dtype: model.DType, device: model.Device);
        if (model.Device.type == DeviceType.CUDA) cuda.synchronize();
        var clock = Stopwatch.StartNew();
        forward(x);
        if (model.Device.type == DeviceType.CUDA) cuda.synchronize();
        return clock.Elapsed.TotalSeconds;
    }
}
