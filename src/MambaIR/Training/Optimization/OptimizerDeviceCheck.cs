using MambaIR.Training.Options;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace MambaIR.Training.Optimization;

/// <summary>
/// The multi-tensor optimiser and EMA kernels against the per-tensor path on one device: five AdamW steps (weight
/// decay 0.01) and an EMA update over 151 tensors of odd sizes, in float32 and float64. Used by
/// <c>mambair runtime --check cuda</c>; the GPU tests have their own copy.
/// </summary>
public static class OptimizerDeviceCheck
{
    public sealed record Result(ScalarType Dtype, string UpdatePath, double AdamRelativeError, double EmaRelativeError, double Tolerance)
    {
        public bool Passed => AdamRelativeError <= Tolerance && EmaRelativeError <= Tolerance;
    }

    public static IEnumerable<Result> Run(Device device)
    {
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 }) yield return Compare(device, dtype);
    }

    static (string, Parameter)[] Parameters(Device device, ScalarType dtype)
    {
        using var g = new Generator(3);
        return Enumerable.Range(0, 151).Select(i => ($"p{i}", new Parameter(randn(new long[] { 1 + (i * 37) % 1009 + (i == 150 ? 60_000 : 0) }, dtype: dtype, generator: g).to(device)))).ToArray();
    }

    static Result Compare(Device device, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var options = new OptimizerOptions(OptimizerKind.AdamW, 2e-3, 0.9, 0.99, 0.01, 1e-8);
        var a = Parameters(device, dtype);
        var b = Parameters(device, dtype);
        using var fused = new AdamOptimizer(a, options);
        using var plain = new AdamOptimizer(b, options) { FusedKernels = false };
        string path = fused.DescribeUpdatePath();
        for (int step = 1; step <= 5; step++)
        {
            using var g = new Generator((ulong)(100 + step));
            for (int i = 0; i < a.Length; i++)
            {
                var grad = randn(a[i].Item2.shape, dtype: dtype, generator: g).to(device);
                a[i].Item2.grad = grad.clone();
                b[i].Item2.grad = grad;
            }
            fused.Step();
            plain.Step();
        }
        double adam = a.Zip(b).Max(p => Relative(p.First.Item2, p.Second.Item2));
        // EMA: the same update by the kernels and per tensor, from the same start.
        using var src = nn.Linear(37, 101).to(device).to(dtype);
        using var e1 = nn.Linear(37, 101).to(device).to(dtype);
        using var e2 = nn.Linear(37, 101).to(device).to(dtype);
        using (no_grad()) foreach (var (x, y) in e1.parameters().Zip(e2.parameters())) y.copy_(x);
        new ModelEma(e1, src, 0.999).Update();
        new ModelEma(e2, src, 0.999) { FusedKernels = false }.Update();
        double ema = e1.parameters().Zip(e2.parameters()).Max(p => Relative(p.First, p.Second));
        return new Result(dtype, path, adam, ema, dtype == ScalarType.Float64 ? 1e-12 : 2e-6);
    }

    static double Relative(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        double scale = Math.Max(1e-30, b.abs().max().to(ScalarType.Float64).cpu().item<double>());
        return (a - b).abs().max().to(ScalarType.Float64).cpu().item<double>() / scale;
    }
}
