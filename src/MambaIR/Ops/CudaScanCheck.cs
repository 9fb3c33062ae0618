using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Ops;

/// <summary>
/// A device's scan backend against the step-by-step reference in float64 on the CPU, on edge shapes: outputs, last state
/// and the gradients of every input, in float64 and float32. Used by <c>mambair runtime --check cuda</c>; the test suite
/// has its own copy of these comparisons.
/// </summary>
public static class CudaScanCheck
{
    public sealed record Case(string Name, int Batch, int Channels, int Length, int StateSize, int Groups, bool Z, bool Bias, bool Softplus, bool Last);

    /// <summary>Largest |difference| over largest(1, |reference|) for one quantity.</summary>
    public sealed record Result(string Case, ScalarType Dtype, string Quantity, double RelativeError, double Tolerance)
    {
        public bool Passed => RelativeError <= Tolerance;
    }

    public static IReadOnlyList<Case> EdgeCases { get; } = new[]
    {
        new Case("L=1", 1, 4, 1, 16, 1, false, true, true, true),
        new Case("N=1 G=4 odd L, z", 2, 8, 37, 1, 4, true, true, true, true),
        new Case("N=10 L=300", 1, 4, 300, 10, 1, false, true, true, true),
        new Case("N=16 G=4 L=257, z", 2, 8, 257, 16, 4, true, true, true, true),
        new Case("10 channels/group L=1100", 1, 10, 1100, 16, 1, true, true, true, true),
        new Case("no bias/softplus/last", 3, 12, 20, 10, 4, false, false, false, false),
    };

    public static double ToleranceFor(ScalarType dtype) => dtype == ScalarType.Float64 ? 1e-10 : 1e-4;

    /// <summary>Runs every edge case through <paramref name="scan"/> on <paramref name="device"/> in float64 and float32.</summary>
    public static IEnumerable<Result> Run(ISelectiveScan scan, Device device)
    {
        foreach (var c in EdgeCases)
            foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
                foreach (var r in Compare(scan, device, c, dtype)) yield return r;
    }

    static IEnumerable<Result> Compare(ISelectiveScan scan, Device device, Case c, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var x = Inputs(c, seed: 31);
        var want = Gradients(SelectiveScan.Reference, x, CPU, ScalarType.Float64);
        var got = Gradients(scan, x, device, dtype);
        var results = new List<Result>();
        foreach (var (name, w) in want)
        {
            double scale = Math.Max(1, w.abs().max().item<double>());
            var g = got[name];
            double err = g.isnan().any().item<bool>() ? double.NaN : (w - g).abs().max().item<double>() / scale;
            results.Add(new Result(c.Name, dtype, name, err, ToleranceFor(dtype)));
        }
        return results;
    }

    static SelectiveScanInputs Inputs(Case c, long seed)
    {
        var gen = new Generator((ulong)seed);
        Tensor R(params long[] s) => randn(s, dtype: ScalarType.Float64, generator: gen);
        var delta = R(c.Batch, c.Channels, c.Length) - 1;
        if (c.Length > 2) delta[0, 0, 1] = tensor(21.0, ScalarType.Float64); // beyond the softplus threshold
        // Without softplus, δ > 0 as softplus would make it: decays stay below 1 and float32 stays finite.
        if (!c.Softplus) delta = delta.abs() * 0.5;
        return new SelectiveScanInputs(
            U: R(c.Batch, c.Channels, c.Length), Delta: delta, A: -exp(R(c.Channels, c.StateSize) * 0.5),
            B: R(c.Batch, c.Groups, c.StateSize, c.Length), C: R(c.Batch, c.Groups, c.StateSize, c.Length),
            D: R(c.Channels), Z: c.Z ? R(c.Batch, c.Channels, c.Length) : null, DeltaBias: c.Bias ? R(c.Channels) * 0.5 : null,
            DeltaSoftplus: c.Softplus, ReturnLastState: c.Last);
    }

    /// <summary>Output, last state and input gradients of a fixed random functional, as float64 CPU tensors.</summary>
    static Dictionary<string, Tensor> Gradients(ISelectiveScan scan, SelectiveScanInputs x, Device device, ScalarType dtype)
    {
        Tensor? L(Tensor? t) => t?.to_type(dtype).to(device).detach().requires_grad_(true);
        var leaves = new Dictionary<string, Tensor?>
        {
            ["du"] = L(x.U), ["ddelta"] = L(x.Delta), ["dA"] = L(x.A), ["dB"] = L(x.B), ["dC"] = L(x.C),
            ["dD"] = L(x.D), ["dz"] = L(x.Z), ["ddelta_bias"] = L(x.DeltaBias),
        };
        var r = scan.Run(x with
        {
            U = leaves["du"]!, Delta = leaves["ddelta"]!, A = leaves["dA"]!, B = leaves["dB"]!, C = leaves["dC"]!,
            D = leaves["dD"], Z = leaves["dz"], DeltaBias = leaves["ddelta_bias"],
        });
        var gen = new Generator(5);
        Tensor W(Tensor like) => randn(like.shape, dtype: ScalarType.Float64, generator: gen).to_type(dtype).to(device);
        var loss = (r.Output * W(r.Output)).sum();
        if (r.LastState is not null) loss = loss + (r.LastState * W(r.LastState)).sum();
        loss.backward();
        Tensor Cpu(Tensor t) => t.detach().cpu().to_type(ScalarType.Float64);
        var result = new Dictionary<string, Tensor> { ["out"] = Cpu(r.Output) };
        if (r.LastState is not null) result["last state"] = Cpu(r.LastState);
        foreach (var (name, t) in leaves) if (t is not null) result[name] = Cpu(t.grad!);
        return result;
    }
}
