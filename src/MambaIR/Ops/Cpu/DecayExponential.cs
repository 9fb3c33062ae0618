using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace MambaIR.Ops.Cpu;

/// <summary>
/// The decays exp(δ·A) = DecayExp(δ·A′) of the fused kernel's inner loops, with the float polynomial's constants made once
/// (a local of this type is kept in registers; the JIT does not hoist the constants of <see cref="VectorMath.Exp2F32{TV,S}"/>
/// out of a loop by itself, which costs a broadcast per coefficient per step). Float: the same 2ˣ as
/// <see cref="VectorMath.Exp2F32{TV,S}"/> for the arguments a decay can have (δ ≥ 0 and A &lt; 0, so x ≤ 0: the upper clamp is
/// dropped; the lower one too where AVX-512's scalef makes 2ᵏ exact for every k, since a clamp costs as much as a quarter
/// of the inner loop on Zen 4 — only x = −∞, from an infinite δ whose output is not finite anyway, then gives NaN instead
/// of 0); double: <see cref="ISimd{TV,T}.DecayExp"/>.
/// </summary>
internal readonly struct DecayExponential<T, TV, S>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TV : struct
    where S : struct, ISimd<TV, T>
{
    readonly TV _low, _c5, _c4, _c3, _c2, _c1, _one;

    public DecayExponential()
    {
        _low = S.Splat(T.CreateTruncating(-150f));
        _c5 = S.Splat(T.CreateTruncating(VectorMath.Exp2C5));
        _c4 = S.Splat(T.CreateTruncating(VectorMath.Exp2C4));
        _c3 = S.Splat(T.CreateTruncating(VectorMath.Exp2C3));
        _c2 = S.Splat(T.CreateTruncating(VectorMath.Exp2C2));
        _c1 = S.Splat(T.CreateTruncating(VectorMath.Exp2C1));
        _one = S.Splat(T.One);
    }

    /// <summary>exp(δ·A) from <paramref name="scaled"/> = δ·A′ (A′ = A·<see cref="ISimd{TV,T}.DecayScale"/>), for scaled ≤ 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV Of(TV scaled)
    {
        if (typeof(T) != typeof(float)) return S.DecayExp(scaled);
        TV x = Avx512F.VL.IsSupported ? scaled : S.Max(scaled, _low);
        TV f = S.FloorFraction(x);
        TV q = S.MulAdd(_c5, f, _c4);
        q = S.MulAdd(q, f, _c3);
        q = S.MulAdd(q, f, _c2);
        q = S.MulAdd(q, f, _c1);
        return S.ScaleB(S.MulAdd(q, f, _one), x);
    }
}
