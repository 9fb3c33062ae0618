using MambaIR.Native;
using MambaIR.Ops;
using static TorchSharp.torch;

namespace MambaIR.Tests.Ops;

/// <summary>The CPU kernel against the tensor reference: outputs, last state and gradients, on edge shapes and every vector width.</summary>
public class CpuScanTests
{
    public CpuScanTests() => TorchRuntime.EnsureInitialized();

    /// <summary>Random inputs in the ranges the networks produce (A &lt; 0; some delta beyond the softplus threshold).</summary>
    internal static SelectiveScanInputs Random(int bt, int dm, int l, int n, int g, bool z, bool bias, bool softplus, bool last,
        ScalarType dtype = ScalarType.Float64, bool grouped = true, long seed = 1)
    {
        var gen = new Generator((ulong)seed);
        Tensor R(params long[] s) => randn(s, dtype: dtype, generator: gen);
        var delta = R(bt, dm, l) - 1;
        if (l > 2) delta[0, 0, 1] = tensor(21.0, dtype); // above the softplus threshold
        var bs = grouped ? new long[] { bt, g, n, l } : new long[] { bt, n, l };
        return new SelectiveScanInputs(
            U: R(bt, dm, l), Delta: delta, A: -exp(R(dm, n) * 0.5), B: R(bs), C: R(bs),
            D: R(dm), Z: z ? R(bt, dm, l) : null, DeltaBias: bias ? R(dm) * 0.5 : null,
            DeltaSoftplus: softplus, ReturnLastState: last);
    }

    public static IEnumerable<object[]> Shapes() => new[]
    {
        //            bt dm   l   n  g   z      bias   softplus
        new object[] { 1, 4, 1, 16, 1, false, true, true },    // L = 1
        new object[] { 2, 8, 37, 1, 4, true, true, true },     // N = 1, batch > 1, G = 4
        new object[] { 1, 1, 20, 10, 1, false, false, false }, // D = 1, N = 10, no bias / softplus
        new object[] { 2, 8, 70, 16, 4, true, true, true },    // crosses a checkpoint chunk (64)
        new object[] { 1, 6, 129, 17, 1, false, true, true },  // N = 17 (two vectors), several chunks, L % 64 = 1
        new object[] { 3, 4, 9, 10, 2, true, false, true },
    };

    public static IEnumerable<object[]> Widths() => new[] { new object[] { 512 }, new object[] { 256 }, new object[] { 128 } };

    public static IEnumerable<object[]> ShapesAndWidths() =>
        from s in Shapes() from w in Widths() select s.Concat(w).ToArray();

    [Theory]
    [MemberData(nameof(ShapesAndWidths))]
    public void Float64ForwardMatchesReference(int bt, int dm, int l, int n, int g, bool z, bool bias, bool softplus, int bits)
    {
        var x = Random(bt, dm, l, n, g, z, bias, softplus, last: true);
        var want = SelectiveScan.Reference.Run(x);
        var got = new CpuSelectiveScan(bits).Run(x);
        AssertClose(want.Output, got.Output, 1e-12, "out");
        AssertClose(want.LastState!, got.LastState!, 1e-12, "last state");
    }

    [Theory]
    [MemberData(nameof(ShapesAndWidths))]
    public void Float32ForwardMatchesFloat64Reference(int bt, int dm, int l, int n, int g, bool z, bool bias, bool softplus, int bits)
    {
        var x = Random(bt, dm, l, n, g, z, bias, softplus, last: true);
        var want = SelectiveScan.Reference.Run(x);
        var got = new CpuSelectiveScan(bits).Run(Cast(x, ScalarType.Float32));
        Assert.Equal(ScalarType.Float32, got.Output.dtype);
        AssertClose(want.Output, got.Output.to_type(ScalarType.Float64), 2e-5, "out");
        AssertClose(want.LastState!, got.LastState!.to_type(ScalarType.Float64), 2e-5, "last state");
    }

    [Theory]
    [MemberData(nameof(ShapesAndWidths))]
    public void Float64GradientsMatchReferenceAutograd(int bt, int dm, int l, int n, int g, bool z, bool bias, bool softplus, int bits)
    {
        var x = Random(bt, dm, l, n, g, z, bias, softplus, last: true);
        var want = Gradients(SelectiveScan.Reference, x);
        var got = Gradients(new CpuSelectiveScan(bits), x);
        foreach (var (name, w) in want) AssertClose(w, got[name], 1e-10, "d" + name);
    }

    [Fact]
    public void LongSequencesSpanningSeveralTilesMatchReference()
    {
        // The forward walks L in tiles of 512 steps: 1100 = 2 tiles + a partial one (checkpoints too, via autograd).
        var x = Random(2, 3, 1100, 16, 1, z: true, bias: true, softplus: true, last: true);
        var kernel = new CpuSelectiveScan();
        var want = SelectiveScan.Reference.Run(x);
        var got = kernel.Run(x);
        AssertClose(want.Output, got.Output, 1e-12, "out");
        AssertClose(want.LastState!, got.LastState!, 1e-12, "last state");
        // The backward restarts every 64-step chunk from the checkpoints written across tiles: check dδ by finite differences.
        var grads = Gradients(kernel, x);
        var v = randn(x.Delta.shape, dtype: ScalarType.Float64, generator: new Generator(2));
        const double eps = 1e-6;
        double numeric = (Loss(kernel.Run(x with { Delta = x.Delta + eps * v })) - Loss(kernel.Run(x with { Delta = x.Delta - eps * v }))).item<double>() / (2 * eps);
        double analytic = (grads["delta"] * v).sum().item<double>();
        Assert.True(Math.Abs(numeric - analytic) <= 1e-6 * Math.Abs(numeric), $"ddelta: finite differences {numeric} vs backward {analytic}");
    }

    [Fact]
    public void Float32GradientsMatchFloat64Reference()
    {
        var x = Random(2, 8, 100, 16, 4, z: true, bias: true, softplus: true, last: false);
        var want = Gradients(SelectiveScan.Reference, x);
        var got = Gradients(new CpuSelectiveScan(), Cast(x, ScalarType.Float32));
        foreach (var (name, w) in want) AssertClose(w, got[name].to_type(ScalarType.Float64), 1e-4, "d" + name);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Float64GradientsMatchFiniteDifferences(bool grouped3d)
    {
        // Directional derivatives: for a random direction v of each input, (L(x + εv) − L(x − εv)) / 2ε = ⟨∇L, v⟩.
        var x = Random(2, 4, 67, 5, grouped3d ? 1 : 2, z: true, bias: true, softplus: true, last: true, grouped: !grouped3d, seed: 3);
        var kernel = new CpuSelectiveScan();
        var grads = Gradients(kernel, x);
        var gen = new Generator(11);
        foreach (var (name, _) in grads)
        {
            var input = Get(x, name)!;
            var v = randn(input.shape, dtype: ScalarType.Float64, generator: gen);
            const double eps = 1e-6;
            double plus = Loss(kernel.Run(With(x, name, input + eps * v))).item<double>();
            double minus = Loss(kernel.Run(With(x, name, input - eps * v))).item<double>();
            double numeric = (plus - minus) / (2 * eps), analytic = (grads[name] * v).sum().item<double>();
            Assert.True(Math.Abs(numeric - analytic) <= 1e-6 * Math.Max(1, Math.Abs(numeric)), $"d{name}: finite differences {numeric} vs backward {analytic}");
        }
    }

    [Fact]
    public void NonContiguousInputsGiveTheSameResults()
    {
        var x = Random(2, 8, 33, 16, 4, z: true, bias: true, softplus: true, last: true);
        // Same values through transposed / strided views.
        Tensor View3(Tensor t) => t.transpose(1, 2).contiguous().transpose(1, 2);
        var y = x with { U = View3(x.U), Delta = View3(x.Delta), Z = View3(x.Z!), B = x.B.transpose(2, 3).contiguous().transpose(2, 3),
            A = x.A.t().contiguous().t(), D = stack(new[] { x.D!, x.D! }, 1)[.., 0] };
        Assert.False(y.U.is_contiguous() || y.A.is_contiguous() || y.B.is_contiguous() || y.D!.is_contiguous());
        var kernel = new CpuSelectiveScan();
        AssertClose(kernel.Run(x).Output, kernel.Run(y).Output, 0, "out");
        var gx = Gradients(kernel, x); var gy = Gradients(kernel, y);
        foreach (var (name, w) in gx) AssertClose(w, gy[name], 0, "d" + name);
    }

    [Fact]
    public void IsTheDefaultBackendForCpuFloatTensors()
    {
        var x = Random(1, 2, 3, 4, 1, false, false, false, false);
        Assert.Equal("cpu", SelectiveScan.Choose(x).Name);
        Assert.Equal("cpu", SelectiveScan.Choose(Cast(x, ScalarType.Float32)).Name);
        Assert.Equal("reference", SelectiveScan.Choose(Cast(x, ScalarType.Float16)).Name);
    }

    // --- helpers ---

    static readonly string[] Names = { "u", "delta", "A", "B", "C", "D", "z", "delta_bias" };

    static Tensor? Get(SelectiveScanInputs x, string name) => name switch
    {
        "u" => x.U, "delta" => x.Delta, "A" => x.A, "B" => x.B, "C" => x.C, "D" => x.D, "z" => x.Z, "delta_bias" => x.DeltaBias,
        _ => throw new ArgumentException(name),
    };

    static SelectiveScanInputs With(SelectiveScanInputs x, string name, Tensor t) => name switch
    {
        "u" => x with { U = t }, "delta" => x with { Delta = t }, "A" => x with { A = t }, "B" => x with { B = t }, "C" => x with { C = t },
        "D" => x with { D = t }, "z" => x with { Z = t }, "delta_bias" => x with { DeltaBias = t }, _ => throw new ArgumentException(name),
    };

    internal static SelectiveScanInputs Cast(SelectiveScanInputs x, ScalarType t) => x with
    {
        U = x.U.to_type(t), Delta = x.Delta.to_type(t), A = x.A.to_type(t), B = x.B.to_type(t), C = x.C.to_type(t),
        D = x.D?.to_type(t), Z = x.Z?.to_type(t), DeltaBias = x.DeltaBias?.to_type(t),
    };

    /// <summary>A fixed random linear functional of the outputs, so every output element gets a different weight.</summary>
    static Tensor Loss(SelectiveScanResult r)
    {
        var gen = new Generator(5);
        Tensor W(Tensor like) => randn(like.shape, dtype: ScalarType.Float64, generator: gen).to_type(like.dtype);
        var loss = (r.Output * W(r.Output)).sum();
        if (r.LastState is not null) loss = loss + (r.LastState * W(r.LastState)).sum();
        return loss;
    }

    static Dictionary<string, Tensor> Gradients(ISelectiveScan scan, SelectiveScanInputs x)
    {
        var leaves = Names.Where(n => Get(x, n) is not null).ToDictionary(n => n, n => Get(x, n)!.detach().clone().requires_grad_(true));
        var xs = leaves.Aggregate(x, (acc, kv) => With(acc, kv.Key, kv.Value));
        Loss(scan.Run(xs)).backward();
        return leaves.ToDictionary(kv => kv.Key, kv => kv.Value.grad!.detach().clone());
    }

    internal static void AssertClose(Tensor want, Tensor got, double tol, string what)
    {
        Assert.Equal(want.shape, got.shape);
        want = want.to_type(ScalarType.Float64);
        got = got.to_type(ScalarType.Float64);
        double scale = Math.Max(1, want.abs().max().item<double>());
        double err = (want - got).abs().max().item<double>();
        Assert.True(err <= tol * scale, $"{what}: max abs error {err:g3} > {tol:g3}·{scale:g3}");
    }
}
