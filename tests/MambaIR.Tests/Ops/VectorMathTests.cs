using System.Runtime.Intrinsics;
using MambaIR.Ops.Cpu;

namespace MambaIR.Tests.Ops;

/// <summary>Accuracy of the kernel's vectorised functions against double-precision math, on every vector width.</summary>
public unsafe class VectorMathTests
{
    static double Ulp(float exact)
    {
        float a = Math.Abs(exact);
        return a < 1.1754944e-38f ? Math.Pow(2, -149) : MathF.BitIncrement(a) - a;
    }

    /// <summary>Applies a float vector function to every element of <paramref name="xs"/>, through width <typeparamref name="S"/>.</summary>
    static float[] Apply<TV, S>(float[] xs, Func<TV, TV> f) where TV : struct where S : struct, ISimd<TV, float>
    {
        int lanes = S.Lanes;
        var padded = new float[(xs.Length + lanes - 1) / lanes * lanes];
        xs.CopyTo(padded, 0);
        var outp = new float[padded.Length];
        fixed (float* src = padded, dst = outp)
            for (int i = 0; i < padded.Length; i += lanes) S.Store(dst + i, f(S.Load(src + i)));
        return outp[..xs.Length];
    }

    static float[] Grid(double lo, double hi, int count) => Enumerable.Range(0, count).Select(i => (float)(lo + (hi - lo) * i / (count - 1))).ToArray();

    static double MaxUlp(float[] xs, float[] got, Func<double, double> exact)
    {
        double worst = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            double e = exact(xs[i]);
            float ef = (float)e;
            if (float.IsInfinity(ef)) { Assert.True(float.IsPositiveInfinity(got[i]), $"f({xs[i]}) = {got[i]}, expected ∞"); continue; }
            worst = Math.Max(worst, Math.Abs(got[i] - e) / Ulp(ef));
        }
        return worst;
    }

    public static IEnumerable<object[]> Widths() => new[] { 512, 256, 128 }
        .Where(b => b == 128 || (b == 256 ? Vector256.IsHardwareAccelerated : Vector512.IsHardwareAccelerated))
        .Select(b => new object[] { b });

    static float[] Run(int bits, float[] xs, string fn) => bits switch
    {
        512 => Apply<Vector512<float>, Simd512<float>>(xs, v => Fn<Vector512<float>, Simd512<float>>(fn, v)),
        256 => Apply<Vector256<float>, Simd256<float>>(xs, v => Fn<Vector256<float>, Simd256<float>>(fn, v)),
        _ => Apply<Vector128<float>, Simd128<float>>(xs, v => Fn<Vector128<float>, Simd128<float>>(fn, v)),
    };

    static TV Fn<TV, S>(string fn, TV v) where TV : struct where S : struct, ISimd<TV, float> => fn switch
    {
        "exp" => S.Exp(v),
        "exp2" => S.DecayExp(v),
        "log1p" => S.Log1p(v),
        "softplus" => VectorMath.Softplus<TV, float, S>(v),
        "sigmoid" => VectorMath.Sigmoid<TV, float, S>(v),
        "floorfraction" => S.FloorFraction(v),
        "roundingfraction" => S.RoundingFraction(v),
        _ => throw new ArgumentException(fn),
    };

    [Theory]
    [MemberData(nameof(Widths))]
    public void ExpIsWithinAboutOneUlpIncludingSubnormals(int bits)
    {
        var xs = Grid(-103.9, 88.7, 100_001);
        double worst = MaxUlp(xs, Run(bits, xs, "exp"), Math.Exp);
        Assert.True(worst <= 1.2, $"exp: max error {worst:F2} ulp");
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Exp2IsWithinTwoAndAHalfUlp(int bits)
    {
        // The degree-5 polynomial (VectorMath.Exp2C1…C5): 2.21 ulp at worst on this grid with AVX-512; degree 6 gave 0.99.
        var xs = Grid(-149.9, 127.9, 100_001);
        double worst = MaxUlp(xs, Run(bits, xs, "exp2"), x => Math.Pow(2, x));
        Assert.True(worst <= 2.5, $"exp2: max error {worst:F2} ulp");
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ExpHandlesExtremesAndNaN(int bits)
    {
        float[] xs = { float.NegativeInfinity, -1e30f, -200f, 0f, 200f, 1e30f, float.PositiveInfinity, float.NaN };
        foreach (var fn in new[] { "exp", "exp2" })
        {
            var got = Run(bits, xs, fn);
            Assert.Equal(new[] { 0f, 0f, 0f, 1f, float.PositiveInfinity, float.PositiveInfinity, float.PositiveInfinity }, got[..7]);
            Assert.True(float.IsNaN(got[7]), $"{fn}(NaN) = {got[7]}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Log1pIsAccurateForTinyAndUnitArguments(int bits)
    {
        var xs = Grid(0, 1, 100_001).Concat(new[] { 1e-30f, 1e-10f, 3e-8f, 1e-4f }).ToArray();
        double worst = MaxUlp(xs, Run(bits, xs, "log1p"), x => Math.Log(1 + x) is var l && x < 1e-5 ? x - x * x / 2 + x * x * x / 3 : l);
        Assert.True(worst <= 2.0, $"log1p: max error {worst:F2} ulp");
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void SoftplusMatchesTorchDefinition(int bits)
    {
        var xs = Grid(-80, 30, 100_001);
        var got = Run(bits, xs, "softplus");
        double worst = MaxUlp(xs, got, x => x > 20 ? x : Math.Log(1 + Math.Exp(x)) is var l && Math.Exp(x) < 1e-5 ? Math.Exp(x) - Math.Exp(2 * x) / 2 : l);
        Assert.True(worst <= 3.0, $"softplus: max error {worst:F2} ulp");
        Assert.Equal(25f, Run(bits, new[] { 25f }, "softplus")[0]);
    }

    /// <summary>The exp reductions' fractions, against their definitions computed in double (exact at these magnitudes):
    /// x − round-half-even(x) is exact in float; x − ⌊x⌋ is exact where float holds it and otherwise one of its two float
    /// neighbours (1 + x for −1 &lt; x &lt; 0 needs one bit more than x has: the subtraction rounds it, VREDUCE truncates it), on
    /// every width (VREDUCE where AVX-512 has it, a subtraction elsewhere).</summary>
    [Theory]
    [MemberData(nameof(Widths))]
    public void ReductionFractionsMatchTheirDefinitions(int bits)
    {
        var xs = Grid(-150.3, 129.7, 20_001).Concat(new[] { -2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, -0f, -1e-7f, 1e-30f, -8388609f, 16777215f, -3e9f }).ToArray();
        var floor = Run(bits, xs, "floorfraction");
        var round = Run(bits, xs, "roundingfraction");
        for (int i = 0; i < xs.Length; i++)
        {
            double x = xs[i];
            double exact = x - Math.Floor(x);
            float below = (float)exact;
            if (below > exact) below = MathF.BitDecrement(below);
            float above = below == exact ? below : MathF.BitIncrement(below);
            Assert.True(floor[i] == below || floor[i] == above, $"{x} − ⌊{x}⌋ = {exact:R}: got {floor[i]:R}");
            Assert.True((double)round[i] == x - Math.Round(x, MidpointRounding.ToEven), $"{x} − round({x}): got {round[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void SumRowsSumsEachRow(int bits)
    {
        void Check<TV, S>() where TV : struct where S : struct, ISimd<TV, float>
        {
            int lanes = S.Lanes;
            var rows = Enumerable.Range(0, lanes * lanes).Select(i => (float)(i * 7 % 13 - 6 + i * 0.001)).ToArray();
            var sums = new float[lanes];
            fixed (float* r = rows, s = sums) S.SumRows(r, s);
            for (int i = 0; i < lanes; i++)
                Assert.Equal(rows.Skip(i * lanes).Take(lanes).Sum(), sums[i], 3);
        }
        if (bits == 512) Check<Vector512<float>, Simd512<float>>();
        else if (bits == 256) Check<Vector256<float>, Simd256<float>>();
        else Check<Vector128<float>, Simd128<float>>();
    }
}
