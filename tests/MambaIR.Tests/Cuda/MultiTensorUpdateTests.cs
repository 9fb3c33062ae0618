using MambaIR.Native;
using MambaIR.Native.Cuda;
using MambaIR.Training.Optimization;
using MambaIR.Training.Options;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace MambaIR.Tests.Cuda;

/// <summary>
/// The multi-tensor CUDA optimiser and EMA kernels against the per-tensor path (PyTorch's single-tensor Adam, itself
/// tested against its definition on the CPU), on the same GPU: several steps over more tensors than one launch takes
/// (64), odd sizes, a parameter that gets no gradient, Adam with L2 weight decay and AdamW. GPU machine only.
/// </summary>
[Trait("Category", "Cuda")]
public class MultiTensorUpdateTests(ITestOutputHelper log)
{
    static (string, Parameter)[] Parameters(Device device, ScalarType dtype, int seed)
    {
        using var g = new Generator((ulong)seed);
        // 150 tensors of sizes 1 … 1009 (odd ones included), and one of 70,000 elements.
        var sizes = Enumerable.Range(0, 150).Select(i => new long[] { 1 + (i * 37) % 1009 }).Append(new long[] { 70, 1000 }).ToArray();
        return sizes.Select((s, i) => ($"p{i}", new Parameter(randn(s, dtype: dtype, generator: g).to(device)))).ToArray();
    }

    static void SetGradients((string, Parameter)[] ps, int step, Device device)
    {
        using var g = new Generator((ulong)(1000 + step));
        for (int i = 0; i < ps.Length; i++)
        {
            var p = ps[i].Item2;
            if (i == 5) { p.grad = null; continue; } // never has a gradient
            p.grad = randn(p.shape, dtype: p.dtype, generator: g).to(device);
        }
    }

    [CudaTheory]
    [InlineData(OptimizerKind.Adam, 0.0, ScalarType.Float32)]
    [InlineData(OptimizerKind.Adam, 1e-2, ScalarType.Float32)]
    [InlineData(OptimizerKind.AdamW, 1e-2, ScalarType.Float32)]
    [InlineData(OptimizerKind.AdamW, 1e-2, ScalarType.Float64)]
    public void FusedAdamMatchesPerTensorAdam(OptimizerKind kind, double wd, ScalarType dtype)
    {
        TorchRuntime.EnsureInitialized();
        var dev = CUDA;
        var options = new OptimizerOptions(kind, 2e-3, 0.9, 0.99, wd, 1e-8);
        var a = Parameters(dev, dtype, 3);
        var b = Parameters(dev, dtype, 3);
        using var fused = new AdamOptimizer(a, options);
        using var plain = new AdamOptimizer(b, options) { FusedKernels = false };
        Assert.Equal("multi-tensor CUDA kernels", fused.DescribeUpdatePath());
        Assert.StartsWith("per tensor", plain.DescribeUpdatePath());
        for (int step = 1; step <= 5; step++)
        {
            SetGradients(a, step, dev);
            SetGradients(b, step, dev);
            fused.Step();
            plain.Step();
        }
        double tol = dtype == ScalarType.Float64 ? 1e-12 : 2e-6, worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double err = Relative(a[i].Item2, b[i].Item2);
            worst = Math.Max(worst, err);
            Assert.True(err <= tol, $"{a[i].Item1}: {err:e2} relative");
            var (sa, ma, va) = fused.State.GetValueOrDefault(a[i].Item1);
            var (sb, mb, vb) = plain.State.GetValueOrDefault(b[i].Item1);
            Assert.Equal(sb, sa);
            if (mb is not null) Assert.True(Relative(ma, mb) <= tol, $"{a[i].Item1} exp_avg: {Relative(ma, mb):e2}");
            if (vb is not null) Assert.True(Relative(va, vb) <= tol, $"{a[i].Item1} exp_avg_sq: {Relative(va, vb):e2}");
        }
        Assert.False(fused.State.ContainsKey("p5"));
        log.WriteLine($"{kind} wd={wd} {dtype}: worst relative difference {worst:e2} over {a.Length} tensors after 5 steps");
    }

    [CudaFact]
    public void FusedEmaMatchesItsDefinition()
    {
        TorchRuntime.EnsureInitialized();
        using var src = nn.Sequential(nn.Linear(33, 65), nn.Conv2d(3, 7, 3)).to(CUDA);
        using var ema = nn.Sequential(nn.Linear(33, 65), nn.Conv2d(3, 7, 3)).to(CUDA);
        var before = ema.parameters().Select(p => p.detach().clone()).ToArray();
        var e = new ModelEma(ema, src, 0.999);
        e.Update();
        var now = ema.parameters().ToArray();
        var s = src.parameters().ToArray();
        for (int i = 0; i < now.Length; i++)
            Assert.True(Relative(now[i], before[i] * 0.999 + s[i] * (1 - 0.999)) <= 1e-6, $"parameter {i}");
    }

    /// <summary>max |a − b| / max |b|.</summary>
    static double Relative(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        double scale = b.abs().max().to(ScalarType.Float64).cpu().item<double>();
        return (a - b).abs().max().to(ScalarType.Float64).cpu().item<double>() / Math.Max(scale, 1e-30);
    }
}
