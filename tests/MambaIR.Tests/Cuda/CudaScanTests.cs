using MambaIR.Native;
using MambaIR.Ops;
using MambaIR.Tests.Ops;
using Xunit.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Tests.Cuda;

/// <summary>
/// The fused CUDA kernel against the step-by-step reference (float64, on the CPU): outputs, last state and the gradient
/// of every input, on edge shapes (L = 1, odd L, L not a multiple of the 256-step window, N = 1, 10, 16, G = 1 and 4,
/// z on and off, channels per group not a multiple of the block's 4). Runs on a GPU machine; skipped elsewhere.
/// </summary>
[Trait("Category", "Cuda")]
[Collection("cuda-variant")]
public class CudaScanTests(ITestOutputHelper log)
{
    public static IEnumerable<object[]> Shapes() => new[]
    {
        //            bt  dm    l   n  g  z      bias   softplus last   grouped
        new object[] { 1, 4, 1, 16, 1, false, true, true, true, true },     // L = 1
        new object[] { 2, 8, 37, 1, 4, true, true, true, true, true },      // N = 1, G = 4, odd L, z
        new object[] { 1, 4, 300, 10, 1, false, true, true, true, true },   // N = 10, L = 256 + 44
        new object[] { 2, 8, 257, 16, 4, true, true, true, true, true },    // N = 16, one step past a window
        new object[] { 1, 10, 1100, 16, 1, true, true, true, true, true },  // 10 channels per group: a block of 4 half used; 5 windows
        new object[] { 3, 12, 20, 10, 4, false, false, false, false, true },// no bias, no softplus, no last state
        new object[] { 2, 6, 1, 1, 2, true, true, true, true, true },       // L = 1, N = 1
        new object[] { 1, 4, 50, 16, 1, true, true, true, true, false },    // 3-D B and C
    };

    /// <summary>The shapes with each segmentation: automatic (for these few rows: one segment per 256-step window), one pass, two segments.</summary>
    public static IEnumerable<object[]> ShapesAndSegments() => from s in Shapes() from seg in new[] { 0, 1, 2 } select s.Append(seg).ToArray();

    [CudaTheory]
    [MemberData(nameof(ShapesAndSegments))]
    public void Float64MatchesReferenceWithGradients(int bt, int dm, int l, int n, int g, bool z, bool bias, bool softplus, bool last, bool grouped, int segments)
    {
        var before = MambaIR.Ops.Cuda.CudaScanKernels.SegmentsOverride;
        MambaIR.Ops.Cuda.CudaScanKernels.SegmentsOverride = segments == 0 ? null : segments;
        try { Check(CpuScanTests.Random(bt, dm, l, n, g, z, bias, softplus, last, grouped: grouped, seed: 17), ScalarType.Float64, 1e-10); }
        finally { MambaIR.Ops.Cuda.CudaScanKernels.SegmentsOverride = before; }
    }

    [CudaTheory]
    [MemberData(nameof(Shapes))]
    public void Float32MatchesFloat64ReferenceWithGradients(int bt, int dm, int l, int n, int g, bool z, bool bias, bool softplus, bool last, bool grouped) =>
        Check(CpuScanTests.Random(bt, dm, l, n, g, z, bias, softplus, last, grouped: grouped, seed: 23), ScalarType.Float32, 1e-4);

    /// <summary>The lane-per-state forward (each layout) and the channel-per-thread forward, with the window kernel's backward on
    /// their checkpoints, in float32; and the window kernel's own forward (no longer the default).</summary>
    public static IEnumerable<object[]> LaneVariantsShapesAndSegments() =>
        from v in new[] { "lanes-s1", "lanes-s2", "lanes-s4", "chan", "global-u1" } from s in Shapes() from seg in new[] { 0, 2 } select new object[] { v }.Concat(s).Append(seg).ToArray();

    [CudaTheory]
    [MemberData(nameof(LaneVariantsShapesAndSegments))]
    public void LaneForwardMatchesFloat64ReferenceWithGradients(string variant, int bt, int dm, int l, int n, int g, bool z, bool bias, bool softplus, bool last, bool grouped, int segments)
    {
        var (beforeVariant, beforeSegments) = (MambaIR.Ops.Cuda.CudaScanKernels.VariantOverride, MambaIR.Ops.Cuda.CudaScanKernels.SegmentsOverride);
        MambaIR.Ops.Cuda.CudaScanKernels.VariantOverride = MambaIR.Ops.Cuda.CudaScanVariant.Parse(variant);
        MambaIR.Ops.Cuda.CudaScanKernels.SegmentsOverride = segments == 0 ? null : segments;
        try
        {
            var kernels = MambaIR.Ops.Cuda.CudaScanKernels.For(0, ScalarType.Float32, n);
            Assert.Equal(variant.StartsWith("lanes"), kernels.Lanes is not null);
            Assert.Equal(variant == "chan", kernels.PerChannel);
            Check(CpuScanTests.Random(bt, dm, l, n, g, z, bias, softplus, last, grouped: grouped, seed: 29), ScalarType.Float32, 1e-4);
        }
        finally { (MambaIR.Ops.Cuda.CudaScanKernels.VariantOverride, MambaIR.Ops.Cuda.CudaScanKernels.SegmentsOverride) = (beforeVariant, beforeSegments); }
    }

    /// <summary>
    /// The kernel table can be built on a thread with no CUDA context current — as the first scan of a process may run
    /// before libtorch has made its context current there. A fresh thread has none; the occupancy queries after the module's
    /// load failed there with CUDA_ERROR_INVALID_CONTEXT (seen on the GPU machine when a variant test ran first).
    /// </summary>
    [CudaFact]
    public void KernelTableBuildsOnAThreadWithNoCurrentContext()
    {
        Exception? failure = null;
        bool perChannel = false;
        var thread = new Thread(() =>
        {
            try { perChannel = MambaIR.Ops.Cuda.CudaScanKernels.For(0, ScalarType.Float32, 5).PerChannel; }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        Assert.Null(failure);
        Assert.Equal(MambaIR.Ops.Cuda.CudaScanVariant.Current.For(ScalarType.Float32, 5).PerChannel, perChannel);
    }

    [CudaFact]
    public void WithoutDTheSkipTermIsAbsent()
    {
        var x = CpuScanTests.Random(2, 8, 70, 16, 4, z: true, bias: true, softplus: true, last: false, seed: 5) with { D = null };
        Check(x, ScalarType.Float64, 1e-10);
    }

    [CudaFact]
    public void IsTheDefaultForCudaFloatTensors()
    {
        Assert.Equal("cuda", SelectiveScan.ChooseFor(CUDA, ScalarType.Float32).Name);
        Assert.Equal("cuda", SelectiveScan.ChooseFor(CUDA, ScalarType.Float64).Name);
        Assert.Equal("chunked", SelectiveScan.ChooseFor(CUDA, ScalarType.Float16).Name);
    }

    [CudaFact]
    public void RepeatedCallsGiveTheSameForwardAndMemoryStaysFlat()
    {
        var x = ToDevice(CpuScanTests.Random(2, 16, 700, 16, 4, z: false, bias: true, softplus: true, last: false), ScalarType.Float32, grad: false);
        var scan = new CudaSelectiveScan();
        using var first = scan.Run(x).Output.cpu();
        for (int i = 0; i < 50; i++)
        {
            using var scope = NewDisposeScope();
            Assert.Equal(0.0, (scan.Run(x).Output.cpu() - first).abs().max().item<float>());
        }
    }

    void Check(SelectiveScanInputs x, ScalarType dtype, double tol)
    {
        using var scope = NewDisposeScope();
        if (!x.DeltaSoftplus) x = x with { Delta = x.Delta.abs() * 0.5 }; // δ > 0 as softplus would make it: decays stay below 1, float32 stays finite
        var want = Gradients(SelectiveScan.Reference, x, out var wantOut, out var wantLast, out _, out _);
        var xd = ToDevice(x, dtype, grad: true);
        var got = Gradients(new CudaSelectiveScan(), xd, out var gotOut, out var gotLast, out var device, out var outDtype);
        Assert.Equal(DeviceType.CUDA, device);
        Assert.Equal(dtype, outDtype);
        var errors = new List<string>();
        void Compare(string what, Tensor w, Tensor g)
        {
            Assert.Equal(w.shape, g.shape);
            var gc = g.cpu().to_type(ScalarType.Float64);
            Assert.False(gc.isnan().any().item<bool>(), $"{what}: NaN");
            double scale = Math.Max(1, w.abs().max().item<double>());
            double err = (w - gc).abs().max().item<double>() / scale;
            log.WriteLine($"{dtype} {what}: relative error {err:E2}");
            if (!(err <= tol)) errors.Add($"{what}: {err:E2}");
        }
        Compare("out", wantOut, gotOut);
        if (x.ReturnLastState) Compare("last state", wantLast!, gotLast!);
        foreach (var (name, w) in want) Compare("d" + name, w, got[name]);
        Assert.True(errors.Count == 0, $"{dtype} beyond {tol:E0}: {string.Join("; ", errors)}");
    }

    internal static SelectiveScanInputs ToDevice(SelectiveScanInputs x, ScalarType dtype, bool grad)
    {
        Tensor? M(Tensor? t) => t is null ? null : t.to_type(dtype).to(CUDA).detach().requires_grad_(grad);
        return x with { U = M(x.U)!, Delta = M(x.Delta)!, A = M(x.A)!, B = M(x.B)!, C = M(x.C)!, D = M(x.D), Z = M(x.Z), DeltaBias = M(x.DeltaBias) };
    }

    static readonly string[] Names = { "u", "delta", "A", "B", "C", "D", "z", "delta_bias" };

    static Tensor? Get(SelectiveScanInputs x, string name) => name switch
    {
        "u" => x.U, "delta" => x.Delta, "A" => x.A, "B" => x.B, "C" => x.C, "D" => x.D, "z" => x.Z, "delta_bias" => x.DeltaBias, _ => null,
    };

    /// <summary>Gradients of a fixed random functional of the outputs (weights drawn in float64 on the CPU, so both sides get the same).</summary>
    static Dictionary<string, Tensor> Gradients(ISelectiveScan scan, SelectiveScanInputs x, out Tensor output, out Tensor? last, out DeviceType device, out ScalarType dtype)
    {
        var leaves = Names.Where(n => Get(x, n) is not null).ToDictionary(n => n, n => Get(x, n)!.detach().clone().requires_grad_(true));
        var xs = x with
        {
            U = leaves["u"], Delta = leaves["delta"], A = leaves["A"], B = leaves["B"], C = leaves["C"],
            D = leaves.GetValueOrDefault("D"), Z = leaves.GetValueOrDefault("z"), DeltaBias = leaves.GetValueOrDefault("delta_bias"),
        };
        var r = scan.Run(xs);
        var gen = new Generator(5);
        Tensor W(Tensor like) => randn(like.shape, dtype: ScalarType.Float64, generator: gen).to_type(like.dtype).to(like.device);
        var loss = (r.Output * W(r.Output)).sum();
        if (r.LastState is not null) loss = loss + (r.LastState * W(r.LastState)).sum();
        loss.backward();
        device = r.Output.device_type;
        dtype = r.Output.dtype;
        output = r.Output.detach().cpu().to_type(ScalarType.Float64);
        last = r.LastState?.detach().cpu().to_type(ScalarType.Float64);
        return leaves.ToDictionary(kv => kv.Key, kv => kv.Value.grad!.detach().cpu().to_type(ScalarType.Float64));
    }
}
