using MambaIR.Ops;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Benchmarks;

/// <summary>
/// A selective-scan call as one SS2D layer makes it: K directions × C channels (Dm = K·C), state N, an H×W image
/// (L = H·W), grouped B/C with G = K, delta_bias, softplus, no z.
/// </summary>
public sealed record ScanBenchmarkShape(string Name, int Batch, int Directions, int ChannelsPerDirection, int StateSize, int Height, int Width)
{
    /// <summary>MambaIR classic SR (embed 180, expand 2 → 360 channels per direction), 64×64 training patch.</summary>
    public static ScanBenchmarkShape Classic { get; } = new("classic", 1, 4, 360, 16, 64, 64);
    /// <summary>MambaIR-light (embed 60, expand 1.2 → 72 channels), N = 10, 64×64.</summary>
    public static ScanBenchmarkShape Light { get; } = new("light", 1, 4, 72, 10, 64, 64);

    /// <summary>The classic block as a training step calls it: batch 4 of 64×64 patches (the official figures' scan row).</summary>
    public static ScanBenchmarkShape ClassicBatch4 { get; } = new("classic-b4", 4, 4, 360, 16, 64, 64);

    /// <summary>The shapes <c>all</c> stands for.</summary>
    public static IReadOnlyList<ScanBenchmarkShape> All { get; } = new[] { Classic, Light };
    /// <summary>Every named shape.</summary>
    public static IReadOnlyList<ScanBenchmarkShape> Known { get; } = new[] { Classic, Light, ClassicBatch4 };

    public static ScanBenchmarkShape ByName(string name) =>
        Known.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown scan shape '{name}'; known: {string.Join(", ", Known.Select(s => s.Name))}");

    public int Channels => Directions * ChannelsPerDirection;
    public int Length => Height * Width;
    /// <summary>Bt·Dm·L·N: the number of (b, d, l, n) state updates of one call.</summary>
    public long StateUpdates => (long)Batch * Channels * Length * StateSize;

    public override string ToString() =>
        $"{Name}: B={Batch}, Dm={Directions}×{ChannelsPerDirection}={Channels}, N={StateSize}, L={Height}×{Width}={Length}, G={Directions}";

    /// <summary>Random inputs with the statistics of a trained layer (δ ≈ softplus(dt + bias) in [1e-3, 0.1], A = −(1..N)).</summary>
    public SelectiveScanInputs CreateInputs(ScalarType dtype, bool requiresGrad, ulong seed = 0, Device? device = null)
    {
        var gen = new Generator(seed);
        Tensor Leaf(Tensor t) => t.to_type(dtype).to(device ?? CPU).requires_grad_(requiresGrad);
        long bt = Batch, dm = Channels, l = Length, n = StateSize, g = Directions;
        var dtInit = exp(rand(dm, generator: gen) * (Math.Log(0.1) - Math.Log(1e-3)) + Math.Log(1e-3));
        var bias = dtInit + log(-expm1(-dtInit)); // inverse softplus, as in SS2D's dt_init
        return new SelectiveScanInputs(
            U: Leaf(randn(bt, dm, l, generator: gen)),
            Delta: Leaf(randn(bt, dm, l, generator: gen) * 0.1),
            A: Leaf(-arange(1, n + 1, dtype: ScalarType.Float32).repeat(dm, 1)),
            B: Leaf(randn(new[] { bt, g, n, l }, generator: gen)),
            C: Leaf(randn(new[] { bt, g, n, l }, generator: gen)),
            D: Leaf(ones(dm)),
            DeltaBias: Leaf(bias),
            DeltaSoftplus: true);
    }
}
