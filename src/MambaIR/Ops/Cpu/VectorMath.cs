using System.Numerics;
using System.Runtime.CompilerServices;

namespace MambaIR.Ops.Cpu;

/// <summary>
/// Vectorised elementary functions for the scan, written once against <see cref="ISimd{TV,T}"/>.
/// </summary>
internal static class VectorMath
{
    /// <summary>PyTorch's softplus threshold: above it softplus(x) is x.</summary>
    public const double SoftplusThreshold = 20;

    /// <summary>
    /// eˣ for float lanes: Cody–Waite reduction x = k·ln2 + r (|r| ≤ ln2/2, ln2 split in a 9-bit head and a tail so
    /// k·head is exact), a degree-6 minimax polynomial for eʳ (Remez on relative error, 2.6e-9), and an exact scaling by 2ᵏ.
    /// Maximum error 1.1 ulp over the whole range (checked against the double-precision exp in the tests);
    /// gives +∞ above ≈ 88.72, gradual underflow to subnormals and then 0 below ≈ −87.3, and NaN for NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ExpF32<TV, S>(TV x) where TV : struct where S : struct, ISimd<TV, float>
    {
        // Beyond these bounds the result is already 0 or ∞; clamping keeps k small enough for exact reduction.
        x = S.Min(S.Max(x, S.Splat(-104f)), S.Splat(89f));
        TV scaled = S.Mul(x, S.Splat(1.44269504088896341f));
        TV k = S.Sub(scaled, S.RoundingFraction(scaled));
        TV r = S.MulAdd(k, S.Splat(-0.693359375f), x);
        r = S.MulAdd(k, S.Splat(2.12194440e-4f), r);
        TV q = S.Splat(0.0014061240945011377f);
        q = S.MulAdd(q, r, S.Splat(0.008379011414945126f));
        q = S.MulAdd(q, r, S.Splat(0.04166477546095848f));
        q = S.MulAdd(q, r, S.Splat(0.16666366159915924f));
        q = S.MulAdd(q, r, S.Splat(0.5000000596046448f));
        q = S.MulAdd(q, r, S.Splat(1f));
        TV p = S.MulAdd(q, r, S.Splat(1f));
        return S.ScaleB(p, k);
    }

    /// <summary>
    /// The polynomial of <see cref="Exp2F32{TV,S}"/>: 2ᶠ ≈ 1 + C1·f + … + C5·f⁵ on f ∈ [0, 1), the degree-5 minimax polynomial
    /// for relative error with the constant term held at 1 (Remez, 8.2e-8 before rounding the coefficients to float), so that
    /// the reduction is f = x − ⌊x⌋ and the scaling VSCALEF's own ⌊x⌋. Degree 6 (2.6e-9) cost one more multiply-add per decay
    /// for accuracy float cannot hold: the decays are 10 of the recurrence's 12 vector operations per state, and the fused
    /// four-way scan ran 5 % faster single-threaded with degree 5 (interleaved runs, docs/BENCHMARKS.md §9).
    /// </summary>
    public const float Exp2C1 = 0.6931512951850891f, Exp2C2 = 0.24016444385051727f, Exp2C3 = 0.05579991266131401f,
        Exp2C4 = 0.009017030708491802f, Exp2C5 = 0.0018671300495043397f;

    /// <summary>
    /// 2ˣ for float lanes: x = ⌊x⌋ + f with f = x − ⌊x⌋ (within 2⁻²⁴, see <see cref="ISimd{TV,T}.FloorFraction"/>), the polynomial <see cref="Exp2C1"/>…<see cref="Exp2C5"/> for
    /// 2ᶠ, and an exact scaling by 2^⌊x⌋: within 2.5 ulp of the true 2ˣ (2.21 at worst on a grid of 100 001 points over the
    /// range, where the degree-6 polynomial gave 0.99; the CUDA kernels' ex2.approx is within 2 ulp). +∞ above 128, gradual underflow to 0 below −126, NaN for NaN. Used for the decays exp(δ·A) = 2^(δ·(A·log₂e)),
    /// as the CUDA kernel does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Exp2F32<TV, S>(TV x) where TV : struct where S : struct, ISimd<TV, float>
    {
        x = S.Min(S.Max(x, S.Splat(-150f)), S.Splat(129f));
        TV f = S.FloorFraction(x);
        TV q = S.Splat(Exp2C5);
        q = S.MulAdd(q, f, S.Splat(Exp2C4));
        q = S.MulAdd(q, f, S.Splat(Exp2C3));
        q = S.MulAdd(q, f, S.Splat(Exp2C2));
        q = S.MulAdd(q, f, S.Splat(Exp2C1));
        return S.ScaleB(S.MulAdd(q, f, S.Splat(1f)), x);
    }

    /// <summary>
    /// softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), or x above <see cref="SoftplusThreshold"/>
    /// (as <c>F.softplus</c> and the CUDA kernel). Within 2.3 ulp of the exact value for float.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Softplus<TV, T, S>(TV x) where TV : struct where T : unmanaged, IBinaryFloatingPointIeee754<T> where S : struct, ISimd<TV, T>
    {
        TV sp = S.Add(S.Max(x, S.Zero), S.Log1p(S.Exp(S.Sub(S.Zero, S.Abs(x)))));
        return S.Select(S.GreaterThan(x, S.Splat(T.CreateTruncating(SoftplusThreshold))), x, sp);
    }

    /// <summary>
    /// log(1 + t) for float lanes, t in [0, 1]: 2·atanh(s) with s = t/(2 + t) in [0, ⅓], by its series to s¹⁵
    /// (truncation below 1e-9 relative), so it is accurate for tiny t too.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Log1pF32<TV, S>(TV t) where TV : struct where S : struct, ISimd<TV, float>
    {
        TV s = S.Div(t, S.Add(t, S.Splat(2f)));
        TV s2 = S.Mul(s, s);
        TV p = S.Splat(1f / 15);
        p = S.MulAdd(p, s2, S.Splat(1f / 13));
        p = S.MulAdd(p, s2, S.Splat(1f / 11));
        p = S.MulAdd(p, s2, S.Splat(1f / 9));
        p = S.MulAdd(p, s2, S.Splat(1f / 7));
        p = S.MulAdd(p, s2, S.Splat(1f / 5));
        p = S.MulAdd(p, s2, S.Splat(1f / 3));
        TV twoS = S.Add(s, s);
        return S.MulAdd(S.Mul(twoS, s2), p, twoS);
    }

    /// <summary>d softplus / dx: σ(x), or 1 above the threshold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV SoftplusDerivative<TV, T, S>(TV x) where TV : struct where T : unmanaged, IBinaryFloatingPointIeee754<T> where S : struct, ISimd<TV, T>
        => S.Select(S.GreaterThan(x, S.Splat(T.CreateTruncating(SoftplusThreshold))), S.Splat(T.One), Sigmoid<TV, T, S>(x));

    /// <summary>σ(x) = 1 / (1 + e⁻ˣ).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sigmoid<TV, T, S>(TV x) where TV : struct where T : unmanaged, IBinaryFloatingPointIeee754<T> where S : struct, ISimd<TV, T>
    {
        TV one = S.Splat(T.One);
        return S.Div(one, S.Add(one, S.Exp(S.Sub(S.Zero, x))));
    }
}
