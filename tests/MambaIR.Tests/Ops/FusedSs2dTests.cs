using MambaIR.Native;
using MambaIR.Ops;
using static TorchSharp.torch;

namespace MambaIR.Tests.Ops;

/// <summary>
/// The fused CPU four-way scan against the four-way scan built the official way in tensor ops (the four direction copies,
/// x_proj and dt_proj einsums, the step-by-step reference scan, flips and transposes back, summed; spec §1.5 steps 3–7):
/// outputs and every gradient, on odd shapes and every vector width.
/// </summary>
public class FusedSs2dTests
{
    public FusedSs2dTests() => TorchRuntime.EnsureInitialized();

    const int K = 4;

    internal static FourWayScanInputs Random(int b, int h, int w, int d, int n, int r, ScalarType dtype = ScalarType.Float64, long seed = 1)
    {
        var gen = new Generator((ulong)seed);
        Tensor R(params long[] s) => randn(s, dtype: ScalarType.Float64, generator: gen);
        var bias = R(K, d) * 0.5 - 1;
        bias[1, 0] = tensor(25.0, ScalarType.Float64); // that channel's δ is beyond the softplus threshold at most steps
        var inputs = new FourWayScanInputs(
            X: R(b, h, w, d), XProjWeight: R(K, r + 2 * n, d) * (1.0 / Math.Sqrt(d)), DtProjWeight: R(K, d, r) * (0.5 / Math.Sqrt(r)),
            DtProjBias: bias, ALogs: R(K * d, n) * 0.5, Ds: R(K * d));
        return Cast(inputs, dtype);
    }

    internal static FourWayScanInputs Cast(FourWayScanInputs x, ScalarType t) => new(
        x.X.to_type(t), x.XProjWeight.to_type(t), x.DtProjWeight.to_type(t), x.DtProjBias.to_type(t), x.ALogs.to_type(t), x.Ds.to_type(t));

    /// <summary>The official construction (mambair_arch.py SS2D.forward_core) with the given scan backend.</summary>
    internal static Tensor Official(FourWayScanInputs i, ISelectiveScan scan)
    {
        long b = i.Batch, h = i.Height, w = i.Width, d = i.Channels, l = h * w, n = i.StateSize, r = i.Rank;
        var x = i.X.permute(0, 3, 1, 2);                                       // (B, D, H, W)
        var rowMajor = x.reshape(b, d, l);
        var colMajor = x.transpose(2, 3).reshape(b, d, l);
        var xs = stack(new[] { rowMajor, colMajor, rowMajor.flip(-1), colMajor.flip(-1) }, 1);   // (B, 4, D, L)
        var xDbl = einsum("bkdl,kcd->bkcl", xs, i.XProjWeight);
        var parts = xDbl.split(new[] { r, n, n }, dim: 2);
        var dts = einsum("bkrl,kdr->bkdl", parts[0], i.DtProjWeight);
        var o = scan.Run(new SelectiveScanInputs(xs.reshape(b, -1, l), dts.reshape(b, -1, l), -exp(i.ALogs), parts[1], parts[2],
            i.Ds, null, i.DtProjBias.reshape(-1), DeltaSoftplus: true)).Output.view(b, K, d, l);
        Tensor Back(Tensor colOrder) => colOrder.reshape(b, d, w, h).transpose(2, 3).reshape(b, d, l);
        var y = o[.., 0] + o[.., 2].flip(-1) + Back(o[.., 1]) + Back(o[.., 3].flip(-1));
        return y.reshape(b, d, h, w).permute(0, 2, 3, 1);
    }

    public static IEnumerable<object[]> Shapes() => new[]
    {
        //            b  h   w   d   n   r
        new object[] { 1, 1, 1, 8, 16, 1 },     // one pixel
        new object[] { 1, 5, 7, 12, 10, 2 },    // H ≠ W, channels = a 512-bit float block of 8 doubles + a 256-bit one (float: 8 + 4)
        new object[] { 2, 9, 11, 5, 1, 3 },     // batch 2, N = 1, L = 99 crosses a chunk, 5 channels (partial block)
        new object[] { 1, 13, 6, 24, 17, 4 },   // N = 17, L = 78
        new object[] { 1, 3, 40, 3, 5, 1 },     // 3 channels: one partial block; wide image
    };

    public static IEnumerable<object[]> Widths() => new[] { new object[] { 512 }, new object[] { 256 }, new object[] { 128 } };

    public static IEnumerable<object[]> ShapesAndWidths() => from s in Shapes() from w in Widths() select s.Concat(w).ToArray();

    [Theory]
    [MemberData(nameof(ShapesAndWidths))]
    public void Float64MatchesTheOfficialConstruction(int b, int h, int w, int d, int n, int r, int bits)
    {
        using var scope = NewDisposeScope();
        var x = Random(b, h, w, d, n, r);
        var want = Official(x, SelectiveScan.Reference);
        var got = new CpuSelectiveScan(bits).RunFourWays(x);
        CpuScanTests.AssertClose(want, got, 1e-12, "y");
    }

    [Theory]
    [MemberData(nameof(ShapesAndWidths))]
    public void Float32MatchesFloat64(int b, int h, int w, int d, int n, int r, int bits)
    {
        using var scope = NewDisposeScope();
        var x = Random(b, h, w, d, n, r);
        var want = Official(x, SelectiveScan.Reference);
        var got = new CpuSelectiveScan(bits).RunFourWays(Cast(x, ScalarType.Float32));
        Assert.Equal(ScalarType.Float32, got.dtype);
        CpuScanTests.AssertClose(want, got, 3e-5, "y");
    }

    [Theory]
    [MemberData(nameof(ShapesAndWidths))]
    public void Float64GradientsMatchTheOfficialConstruction(int b, int h, int w, int d, int n, int r, int bits)
    {
        using var scope = NewDisposeScope();
        var x = Random(b, h, w, d, n, r);
        var want = Gradients(i => Official(i, SelectiveScan.Reference), x);
        var got = Gradients(new CpuSelectiveScan(bits).RunFourWays, x);
        foreach (var (name, g) in want) CpuScanTests.AssertClose(g, got[name], 1e-10, "d" + name);
    }

    [Fact]
    public void Float32GradientsMatchFloat64()
    {
        using var scope = NewDisposeScope();
        var x = Random(1, 9, 10, 16, 16, 2, seed: 4);
        var want = Gradients(i => Official(i, SelectiveScan.Reference), x);
        var got = Gradients(new CpuSelectiveScan().RunFourWays, Cast(x, ScalarType.Float32));
        foreach (var (name, g) in want) CpuScanTests.AssertClose(g, got[name], 2e-4, "d" + name);
    }

    [Fact]
    public void LongSequencesMatchTheUnfusedCpuKernel()
    {
        // 40×50 = 2000 steps: 32 chunks per direction (checkpoints and the reverse pass across many of them); the unfused
        // path with the CPU scan kernel is the oracle here (the reference would take minutes).
        using var scope = NewDisposeScope();
        var x = Random(1, 40, 50, 16, 16, 2, seed: 5);
        var unfused = new UnfusedCpu();
        CpuScanTests.AssertClose(Official(x, unfused), new CpuSelectiveScan().RunFourWays(x), 1e-12, "y");
        var want = Gradients(i => Official(i, unfused), x);
        var got = Gradients(new CpuSelectiveScan().RunFourWays, x);
        foreach (var (name, g) in want) CpuScanTests.AssertClose(g, got[name], 1e-10, "d" + name);
    }

    [Fact]
    public void ValidatesShapesWithClearMessages()
    {
        var x = Random(1, 2, 3, 4, 5, 1);
        var e = Assert.Throws<ArgumentException>(() => new CpuSelectiveScan().RunFourWays(x with { Ds = zeros(3, dtype: ScalarType.Float64) }));
        Assert.Contains("Ds must be (16)", e.Message);
        e = Assert.Throws<ArgumentException>(() => new CpuSelectiveScan().RunFourWays(x with { X = x.X.to_type(ScalarType.Float32) }));
        Assert.Contains("Float64", e.Message);
    }

    // --- helpers ---

    static readonly string[] Names = { "x", "x_proj_weight", "dt_projs_weight", "dt_projs_bias", "A_logs", "Ds" };

    static Tensor Get(FourWayScanInputs x, string name) => name switch
    {
        "x" => x.X, "x_proj_weight" => x.XProjWeight, "dt_projs_weight" => x.DtProjWeight, "dt_projs_bias" => x.DtProjBias,
        "A_logs" => x.ALogs, "Ds" => x.Ds, _ => throw new ArgumentException(name),
    };

    static Dictionary<string, Tensor> Gradients(Func<FourWayScanInputs, Tensor> run, FourWayScanInputs x)
    {
        var leaves = Names.ToDictionary(n => n, n => Get(x, n).detach().clone().requires_grad_(true));
        var xs = new FourWayScanInputs(leaves["x"], leaves["x_proj_weight"], leaves["dt_projs_weight"], leaves["dt_projs_bias"], leaves["A_logs"], leaves["Ds"]);
        var y = run(xs);
        var weights = randn(y.shape, dtype: ScalarType.Float64, generator: new Generator(9)).to_type(y.dtype);
        (y * weights).sum().backward();
        return leaves.ToDictionary(kv => kv.Key, kv => kv.Value.grad!.detach().to_type(ScalarType.Float64));
    }

    /// <summary>The CPU scan kernel without its fused form, so <see cref="Official"/> runs it one direction stack at a time.</summary>
    sealed class UnfusedCpu : ISelectiveScan
    {
        readonly CpuSelectiveScan _inner = new();
        public string Name => "cpu-unfused";
        public bool CanRun(SelectiveScanInputs inputs) => _inner.CanRun(inputs);
        public SelectiveScanResult Run(SelectiveScanInputs inputs) => _inner.Run(inputs);
    }
}
