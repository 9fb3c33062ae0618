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
    /// k·head is exact), the Cephes degree-7 polynomial for eʳ, and an exact scaling by 2ᵏ.
    /// Maximum error about 1 ulp over the whole range (checked against the double-precision exp in the tests);
    /// gives +∞ above ≈ 88.72, gradual underflow to subnormals and then 0 below ≈ −87.3, and NaN for NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ExpF32<TV, S>(TV x) where TV : struct where S : struct, ISimd<TV, float>
    {
        // Beyond these bounds the result is already 0 or ∞; clamping keeps k small enough for exact reduction.
        x = S.Min(S.Max(x, S.Splat(-104f)), S.Splat(89f));
        TV k = S.Round(S.Mul(x, S.Splat(1.44269504088896341f)));
        TV r = S.MulAdd(k, S.Splat(-0.693359375f), x);
        r = S.MulAdd(k, S.Splat(2.12194440e-4f), r);
        TV p = S.Splat(1.9875691500e-4f);
        p = S.MulAdd(p, r, S.Splat(1.3981999507e-3f));
        p = S.MulAdd(p, r, S.Splat(8.3334519073e-3f));
        p = S.MulAdd(p, r, S.Splat(4.1665795894e-2f));
        p = S.MulAdd(p, r, S.Splat(1.6666665459e-1f));
        p = S.MulAdd(p, r, S.Splat(5.0000001201e-1f));
        p = S.MulAdd(p, S.Mul(r, r), S.Add(r, S.Splat(1f)));
        return S.ScaleB(p, k);
    }

    /// <summary>
    /// softplus(x) = log(1 + eˣ), or x above <see cref="SoftplusThreshold"/> (as <c>F.softplus</c> and the CUDA kernel).
    /// log1p(t) is computed as log(1+t)·t/((1+t)−1), which is accurate to a few ulp even when t is tiny.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Softplus<TV, T, S>(TV x) where TV : struct where T : unmanaged, IBinaryFloatingPointIeee754<T> where S : struct, ISimd<TV, T>
    {
        TV threshold = S.Splat(T.CreateTruncating(SoftplusThreshold));
        TV t = S.Exp(S.Min(x, threshold));
        TV one = S.Splat(T.One);
        TV u = S.Add(one, t);
        TV log1p = S.Select(S.Equal(u, one), t, S.Div(S.Mul(S.Log(u), t), S.Sub(u, one)));
        return S.Select(S.GreaterThan(x, threshold), x, log1p);
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
