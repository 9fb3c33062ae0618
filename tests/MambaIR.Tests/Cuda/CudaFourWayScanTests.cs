using MambaIR.Native;
using MambaIR.Models;
using MambaIR.Ops;
using MambaIR.Ops.Cuda;
using MambaIR.Tests.Ops;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Tests.Cuda;

/// <summary>
/// SS2D's four-direction scan as one CUDA kernel (issue 10 §2) against the official construction (the four direction
/// copies, the x_proj / dt_proj einsums, the step-by-step reference scan, flips and transposes back, summed) in float64 on
/// the CPU, and on long sequences against the fused CPU kernel in float64 (itself tested against the official
/// construction): H ≠ W, one pixel, N = 1, 10, 16, 17, dt rank 1 to 16, channels not a multiple of the block, L crossing
/// the staging windows and the segments, automatic, one, two and three segments. Runs on a GPU machine; skipped elsewhere.
/// </summary>
[Trait("Category", "Cuda")]
[Collection("cuda-variant")]
public class CudaFourWayScanTests
{
    public CudaFourWayScanTests() => TorchRuntime.EnsureInitialized();

    /// <summary>The four-way kernel on for this thread, whatever MAMBAIR_CUDA_FOURWAY and the default say; restored on dispose.</summary>
    sealed class FourWaysOn : IDisposable
    {
        readonly bool? _before = CudaSelectiveScan.FourWaysOverride;
        public FourWaysOn() => CudaSelectiveScan.FourWaysOverride = true;
        public void Dispose() => CudaSelectiveScan.FourWaysOverride = _before;
    }

    static readonly Device Gpu = new(DeviceType.CUDA, 0);

    public static IEnumerable<object[]> Shapes() => new[]
    {
        //            b  h   w    d   n   r
        new object[] { 1, 1, 1, 8, 16, 1 },      // one pixel
        new object[] { 1, 5, 7, 12, 10, 2 },     // H ≠ W
        new object[] { 2, 9, 11, 5, 1, 3 },      // batch 2, N = 1, L = 99 crosses a 64-step window
        new object[] { 1, 13, 6, 24, 17, 4 },    // N = 17, L = 78
        new object[] { 1, 3, 40, 70, 5, 16 },    // dt rank 16 (the most), 70 channels: a second, partial block
    };

    public static IEnumerable<object[]> ShapesAndSegments() => from s in Shapes() from seg in new[] { 0, 1, 2 } select s.Append(seg).ToArray();

    [CudaTheory]
    [MemberData(nameof(ShapesAndSegments))]
    public void MatchesTheOfficialConstructionInFloat64(int b, int h, int w, int d, int n, int r, int segments)
    {
        using var scope = NewDisposeScope();
        using var on = new FourWaysOn();
        var x = FusedSs2dTests.Random(b, h, w, d, n, r, seed: 3);
        var want = FusedSs2dTests.Official(x, SelectiveScan.Reference);
        var got = RunOnGpu(x, segments);
        CpuScanTests.AssertClose(want, got, 1e-4, "y");
    }

    [CudaTheory]
    [InlineData(1, 40, 50, 180, 16, 12, 0)]  // the classic block's shape at 40×50: 2000 steps, 3 channel blocks
    [InlineData(1, 40, 50, 180, 16, 12, 3)]
    [InlineData(2, 33, 17, 120, 10, 4, 0)]   // MambaIR-light's block, batch 2, odd sizes
    [InlineData(2, 33, 17, 120, 10, 4, 2)]
    public void LongSequencesMatchTheFusedCpuKernelInFloat64(int b, int h, int w, int d, int n, int r, int segments)
    {
        using var scope = NewDisposeScope();
        using var on = new FourWaysOn();
        var x = FusedSs2dTests.Random(b, h, w, d, n, r, seed: 7);
        var want = new CpuSelectiveScan().RunFourWays(x);
        var got = RunOnGpu(x, segments);
        CpuScanTests.AssertClose(want, got, 1e-4, "y");
    }

    [CudaFact]
    public void IsChosenForInferenceOnlyAndSs2dGivesTheSameOutputEitherWay()
    {
        using var scope = NewDisposeScope();
        using var on = new FourWaysOn();
        var x = FusedSs2dTests.Cast(FusedSs2dTests.Random(1, 6, 9, 16, 16, 2, seed: 5), ScalarType.Float32);
        var g = new FourWayScanInputs(x.X.to(Gpu), x.XProjWeight.to(Gpu), x.DtProjWeight.to(Gpu), x.DtProjBias.to(Gpu), x.ALogs.to(Gpu), x.Ds.to(Gpu));
        Assert.IsType<CudaSelectiveScan>(SelectiveScan.ChooseFourWays(g));
        var training = g with { XProjWeight = g.XProjWeight.detach().requires_grad_(true) };
        Assert.Null(SelectiveScan.ChooseFourWays(training));       // autograd: the per-direction path, whose backward has checkpoints
        Assert.Null(SelectiveScan.ChooseFourWays(FusedSs2dTests.Cast(g, ScalarType.Float64)));

        // A whole SS2D block on the GPU: the four-way kernel (inference) against the per-direction kernels (the same block
        // with a weight that asks for gradients, so the autograd path runs), float32.
        var block = new SS2D(dModel: 24, dState: 16, dInner: 48, dtRank: 2).to(Gpu);
        var input = randn(new long[] { 2, 11, 7, 24 }, generator: new Generator(9)).to(Gpu);
        Tensor fused;
        using (no_grad()) fused = block.forward(input);
        var perDirection = block.forward(input);   // parameters require gradients: not the four-way kernel
        Assert.True(perDirection.requires_grad);
        CpuScanTests.AssertClose(perDirection.detach().cpu(), fused.cpu(), 1e-5, "SS2D output");
    }

    [CudaTheory]
    [InlineData(1, 5, 7, 12, 10, 2)]
    [InlineData(2, 17, 9, 180, 16, 12)]   // 180 channels: several per lane
    public void TheGateMatchesLayerNormTimesSiluOfAStridedZ(int b, int h, int w, int d, int n, int r)
    {
        using var scope = NewDisposeScope();
        using var on = new FourWaysOn();
        var f = FusedSs2dTests.Cast(FusedSs2dTests.Random(b, h, w, d, n, r, seed: 11), ScalarType.Float32);
        var g = new FourWayScanInputs(f.X.to(Gpu), f.XProjWeight.to(Gpu), f.DtProjWeight.to(Gpu), f.DtProjBias.to(Gpu), f.ALogs.to(Gpu), f.Ds.to(Gpu));
        var gen = new Generator(12);
        var xz = randn(new long[] { b, h, w, 2 * d }, generator: gen).to(Gpu);
        var z = xz.narrow(3, d, d);                         // in_proj's second half: pixel stride 2·D
        var weight = (randn(d, generator: gen) * 0.3 + 1).to(Gpu);
        var bias = (randn(d, generator: gen) * 0.1).to(Gpu);
        var cuda = new CudaSelectiveScan();
        var want = nn.functional.layer_norm(cuda.RunFourWays(g), new[] { (long)d }, weight, bias, 1e-5) * nn.functional.silu(z);
        var got = cuda.RunFourWays(g, new FourWayOutputGate(z, weight, bias, 1e-5));
        CpuScanTests.AssertClose(want.cpu(), got.cpu(), 1e-5, "gated y");
    }

    static Tensor RunOnGpu(FourWayScanInputs x64, int segments)
    {
        var f = FusedSs2dTests.Cast(x64, ScalarType.Float32);
        var g = new FourWayScanInputs(f.X.to(Gpu), f.XProjWeight.to(Gpu), f.DtProjWeight.to(Gpu), f.DtProjBias.to(Gpu), f.ALogs.to(Gpu), f.Ds.to(Gpu));
        using var on = new FourWaysOn();
        var before = CudaScanKernels.SegmentsOverride;
        CudaScanKernels.SegmentsOverride = segments == 0 ? null : segments;
        try
        {
            var cuda = new CudaSelectiveScan();
            Assert.True(cuda.CanRunFourWays(g));
            return cuda.RunFourWays(g).cpu();
        }
        finally { CudaScanKernels.SegmentsOverride = before; }
    }
}
