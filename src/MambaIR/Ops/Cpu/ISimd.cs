namespace MambaIR.Ops.Cpu;

/// <summary>
/// The vector operations the scan kernel is written against, so one generic kernel runs on
/// 512-, 256- and 128-bit vectors of float or double. Implementations are structs, so the JIT
/// specialises and inlines every call: the kernel compiles to straight SIMD code.
/// </summary>
/// <typeparam name="TV">The vector type (e.g. <c>Vector512&lt;float&gt;</c>).</typeparam>
/// <typeparam name="T">The element type: float or double.</typeparam>
internal unsafe interface ISimd<TV, T> where TV : struct where T : unmanaged
{
    /// <summary>Elements per vector.</summary>
    static abstract int Lanes { get; }
    static abstract TV Zero { get; }
    static abstract TV Splat(T x);
    static abstract TV Load(T* p);
    static abstract void Store(T* p, TV v);
    static abstract TV Add(TV a, TV b);
    static abstract TV Sub(TV a, TV b);
    static abstract TV Mul(TV a, TV b);
    static abstract TV Div(TV a, TV b);
    /// <summary>a·b + c with one rounding.</summary>
    static abstract TV MulAdd(TV a, TV b, TV c);
    /// <summary>Lane-wise minimum; when <paramref name="a"/> is NaN the result is NaN.</summary>
    static abstract TV Min(TV a, TV b);
    /// <summary>Lane-wise maximum; when <paramref name="a"/> is NaN the result is NaN.</summary>
    static abstract TV Max(TV a, TV b);
    static abstract TV Abs(TV a);
    static abstract TV GreaterThan(TV a, TV b);
    static abstract TV Equal(TV a, TV b);
    static abstract TV Select(TV mask, TV ifTrue, TV ifFalse);
    static abstract T Sum(TV v);
    /// <summary>dst[i] = Σⱼ rows[i·Lanes + j] for i &lt; Lanes: the sums of a Lanes×Lanes block of vectors at once.</summary>
    static abstract void SumRows(T* rows, T* dst);
    /// <summary>Round to the nearest integer, ties to even (<see cref="RoundingFraction"/>'s fallback).</summary>
    static abstract TV Round(TV a);
    /// <summary>a − <see cref="Round"/>(a), exact (both are representable), so that a − RoundingFraction(a) is Round(a) bit for
    /// bit: AVX-512's VREDUCE where the CPU has it (one instruction instead of VRNDSCALE's two micro-ops), else the subtraction.</summary>
    static abstract TV RoundingFraction(TV a);
    /// <summary>a − ⌊a⌋ in [0, 1]: exact where float holds it, else one of its two float neighbours (for −1 &lt; a &lt; 0, 1 + a
    /// needs a bit more than a has: AVX-512's VREDUCE, used where the CPU has it, truncates it; the subtraction used elsewhere
    /// rounds it; 1 for a tiny negative a).</summary>
    static abstract TV FloorFraction(TV a);
    /// <summary>p·2^⌊k⌋, with overflow to ∞ and gradual underflow; float lanes only. (AVX-512's VSCALEF floors k itself, so
    /// 2ˣ = ScaleB(2^(x − ⌊x⌋), x) needs no ⌊x⌋ of its own.)</summary>
    static abstract TV ScaleB(TV p, TV k);
    /// <summary>eˣ, accurate to about one unit in the last place (see <see cref="VectorMath"/>).</summary>
    static abstract TV Exp(TV x);
    /// <summary>log(1 + t) for t in [0, 1], accurate even for tiny t.</summary>
    static abstract TV Log1p(TV t);
    /// <summary>
    /// The decay exp(δ·A) from δ·A′ where A′ = A·<see cref="DecayScale"/>: float computes 2^(δ·A·log₂e) like the CUDA
    /// kernel's exp2f (<see cref="VectorMath.Exp2F32{TV,S}"/>), double computes e^(δ·A) with the accurate exp.
    /// </summary>
    static abstract TV DecayExp(TV scaledExponent);
    /// <summary>log₂e for float, 1 for double: the factor A is multiplied by before <see cref="DecayExp"/>.</summary>
    static abstract double DecayScale { get; }
}
