using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MambaIR.Ops.Cpu;

/// <summary><see cref="ISimd{TV,T}"/> on Vector256&lt;T&gt; (256-bit vectors) of float or double.</summary>
internal unsafe readonly struct Simd256<T> : ISimd<Vector256<T>, T> where T : unmanaged
{
    /// <summary>Whether this width runs in hardware (otherwise .NET emulates it slowly).</summary>
    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;
    public static int Lanes => Vector256<T>.Count;
    public static Vector256<T> Zero => Vector256<T>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Splat(T x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Load(T* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector256<T> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Sub(Vector256<T> a, Vector256<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Mul(Vector256<T> a, Vector256<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Div(Vector256<T> a, Vector256<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Abs(Vector256<T> a) => Vector256.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> GreaterThan(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Equal(Vector256<T> a, Vector256<T> b) => Vector256.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Select(Vector256<T> m, Vector256<T> t, Vector256<T> f) => Vector256.ConditionalSelect(m, t, f);
    /// <summary>Halving adds down to 128 bits (.NET's own Sum reduces each 128-bit block separately: 3× the instructions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector256<T> v) => Simd128<T>.Sum(v.GetLower() + v.GetUpper());

    // x86 min/max return the second operand when either is NaN, so passing `a` second keeps NaN in `a`.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Min(Vector256<T> a, Vector256<T> b) => Vector256.MinNative(b, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Max(Vector256<T> a, Vector256<T> b) => Vector256.MaxNative(b, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MulAdd(Vector256<T> a, Vector256<T> b, Vector256<T> c) => typeof(T) == typeof(float)
        ? Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
        : Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Round(Vector256<T> a) => typeof(T) == typeof(float)
        ? Vector256.Round(a.AsSingle()).As<float, T>()
        : Vector256.Round(a.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> RoundingFraction(Vector256<T> a)
    {
        if (Avx512DQ.VL.IsSupported)
            return typeof(T) == typeof(float) ? Avx512DQ.VL.Reduce(a.AsSingle(), 0).As<float, T>() : Avx512DQ.VL.Reduce(a.AsDouble(), 0).As<double, T>();
        return a - Round(a);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> FloorFraction(Vector256<T> a)
    {
        if (Avx512DQ.VL.IsSupported)
            return typeof(T) == typeof(float) ? Avx512DQ.VL.Reduce(a.AsSingle(), 1).As<float, T>() : Avx512DQ.VL.Reduce(a.AsDouble(), 1).As<double, T>();
        return typeof(T) == typeof(float)
            ? (a.AsSingle() - Vector256.Floor(a.AsSingle())).As<float, T>()
            : (a.AsDouble() - Vector256.Floor(a.AsDouble())).As<double, T>();
    }

    /// <summary>float: the hand-written <see cref="VectorMath.ExpF32{TV,S}"/>; double: .NET's vectorised Exp (accurate to ~1 ulp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp(Vector256<T> x) => typeof(T) == typeof(float)
        ? VectorMath.ExpF32<Vector256<float>, Simd256<float>>(x.AsSingle()).As<float, T>()
        : Vector256.Exp(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> DecayExp(Vector256<T> x) => typeof(T) == typeof(float)
        ? VectorMath.Exp2F32<Vector256<float>, Simd256<float>>(x.AsSingle()).As<float, T>()
        : Vector256.Exp(x.AsDouble()).As<double, T>();

    public static double DecayScale => typeof(T) == typeof(float) ? Math.Log2(Math.E) : 1;

    /// <summary>float: <see cref="VectorMath.Log1pF32{TV,S}"/>; double: log(1+t)·t/((1+t)−1) with .NET's vectorised Log.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log1p(Vector256<T> t)
    {
        if (typeof(T) == typeof(float)) return VectorMath.Log1pF32<Vector256<float>, Simd256<float>>(t.AsSingle()).As<float, T>();
        var td = t.AsDouble();
        var u = Vector256<double>.One + td;
        return Vector256.ConditionalSelect(Vector256.Equals(u, Vector256<double>.One), td, Vector256.Log(u) * td / (u - Vector256<double>.One)).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ScaleB(Vector256<T> p, Vector256<T> k)
    {
        if (typeof(T) != typeof(float)) throw new NotSupportedException("ScaleB is only used by the float exp");
        if (Avx512F.VL.IsSupported) return Avx512F.VL.Scale(p.AsSingle(), k.AsSingle()).As<float, T>();
        // Two steps of 2^(k/2) keep each factor a normal float for k in [-252, 254].
        var ki = Vector256.ConvertToInt32(Vector256.Floor(k.AsSingle()));
        var k1 = Vector256.ShiftRightArithmetic(ki, 1);
        var k2 = ki - k1;
        var bias = Vector256.Create(127);
        var f1 = Vector256.ShiftLeft(k1 + bias, 23).AsSingle();
        var f2 = Vector256.ShiftLeft(k2 + bias, 23).AsSingle();
        return (p.AsSingle() * f1 * f2).As<float, T>();
    }

    static readonly Vector256<int> TransposedOrder = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);

    /// <summary>Row sums of a Lanes×Lanes block; float on AVX2 by a transpose-and-add tree (22 instructions for 8 sums).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SumRows(T* rows, T* dst)
    {
        if (typeof(T) == typeof(float) && Avx2.IsSupported)
        {
            float* r = (float*)rows;
            // Level 1: row pairs → [r_a: 4 partials | r_b: 4 partials]; levels 2, 3: in-block shuffles.
            static Vector256<float> Pair(float* a, float* b)
            {
                Vector256<float> x = Vector256.Load(a), y = Vector256.Load(b);
                return Avx.Permute2x128(x, y, 0x20) + Avx.Permute2x128(x, y, 0x31);
            }
            static Vector256<float> Half(Vector256<float> x, Vector256<float> y) => Avx.Shuffle(x, y, 0x88) + Avx.Shuffle(x, y, 0xDD);
            var sums = Half(Half(Pair(r, r + 8), Pair(r + 16, r + 24)), Half(Pair(r + 32, r + 40), Pair(r + 48, r + 56)));
            Avx2.PermuteVar8x32(sums, TransposedOrder).Store((float*)dst);
            return;
        }
        for (int i = 0; i < Lanes; i++) dst[i] = Sum(Load(rows + i * Lanes));
    }
}
