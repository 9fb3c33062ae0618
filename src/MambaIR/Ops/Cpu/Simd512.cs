using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MambaIR.Ops.Cpu;

/// <summary><see cref="ISimd{TV,T}"/> on Vector512&lt;T&gt; (512-bit vectors) of float or double.</summary>
internal unsafe readonly struct Simd512<T> : ISimd<Vector512<T>, T> where T : unmanaged
{
    /// <summary>Whether this width runs in hardware (otherwise .NET emulates it slowly).</summary>
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;
    public static int Lanes => Vector512<T>.Count;
    public static Vector512<T> Zero => Vector512<T>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Splat(T x) => Vector512.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Load(T* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector512<T> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Sub(Vector512<T> a, Vector512<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Mul(Vector512<T> a, Vector512<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Div(Vector512<T> a, Vector512<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Abs(Vector512<T> a) => Vector512.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> GreaterThan(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Equal(Vector512<T> a, Vector512<T> b) => Vector512.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Select(Vector512<T> m, Vector512<T> t, Vector512<T> f) => Vector512.ConditionalSelect(m, t, f);
    /// <summary>Halving adds down to 128 bits (.NET's own Sum reduces each 128-bit block separately: 3× the instructions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector512<T> v) => Simd256<T>.Sum(v.GetLower() + v.GetUpper());

    // x86 min/max return the second operand when either is NaN, so passing `a` second keeps NaN in `a`.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Min(Vector512<T> a, Vector512<T> b) => Vector512.MinNative(b, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Max(Vector512<T> a, Vector512<T> b) => Vector512.MaxNative(b, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MulAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c) => typeof(T) == typeof(float)
        ? Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
        : Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Round(Vector512<T> a) => typeof(T) == typeof(float)
        ? Vector512.Round(a.AsSingle()).As<float, T>()
        : Vector512.Round(a.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> RoundingFraction(Vector512<T> a)
    {
        if (Avx512DQ.IsSupported)
            return typeof(T) == typeof(float) ? Avx512DQ.Reduce(a.AsSingle(), 0).As<float, T>() : Avx512DQ.Reduce(a.AsDouble(), 0).As<double, T>();
        return a - Round(a);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> FloorFraction(Vector512<T> a)
    {
        if (Avx512DQ.IsSupported)
            return typeof(T) == typeof(float) ? Avx512DQ.Reduce(a.AsSingle(), 1).As<float, T>() : Avx512DQ.Reduce(a.AsDouble(), 1).As<double, T>();
        return typeof(T) == typeof(float)
            ? (a.AsSingle() - Vector512.Floor(a.AsSingle())).As<float, T>()
            : (a.AsDouble() - Vector512.Floor(a.AsDouble())).As<double, T>();
    }

    /// <summary>float: the hand-written <see cref="VectorMath.ExpF32{TV,S}"/>; double: .NET's vectorised Exp (accurate to ~1 ulp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp(Vector512<T> x) => typeof(T) == typeof(float)
        ? VectorMath.ExpF32<Vector512<float>, Simd512<float>>(x.AsSingle()).As<float, T>()
        : Vector512.Exp(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> DecayExp(Vector512<T> x) => typeof(T) == typeof(float)
        ? VectorMath.Exp2F32<Vector512<float>, Simd512<float>>(x.AsSingle()).As<float, T>()
        : Vector512.Exp(x.AsDouble()).As<double, T>();

    public static double DecayScale => typeof(T) == typeof(float) ? Math.Log2(Math.E) : 1;

    /// <summary>float: <see cref="VectorMath.Log1pF32{TV,S}"/>; double: log(1+t)·t/((1+t)−1) with .NET's vectorised Log.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Log1p(Vector512<T> t)
    {
        if (typeof(T) == typeof(float)) return VectorMath.Log1pF32<Vector512<float>, Simd512<float>>(t.AsSingle()).As<float, T>();
        var td = t.AsDouble();
        var u = Vector512<double>.One + td;
        return Vector512.ConditionalSelect(Vector512.Equals(u, Vector512<double>.One), td, Vector512.Log(u) * td / (u - Vector512<double>.One)).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ScaleB(Vector512<T> p, Vector512<T> k)
    {
        if (typeof(T) != typeof(float)) throw new NotSupportedException("ScaleB is only used by the float exp");
        if (Avx512F.IsSupported) return Avx512F.Scale(p.AsSingle(), k.AsSingle()).As<float, T>();
        // Two steps of 2^(k/2) keep each factor a normal float for k in [-252, 254].
        var ki = Vector512.ConvertToInt32(Vector512.Floor(k.AsSingle()));
        var k1 = Vector512.ShiftRightArithmetic(ki, 1);
        var k2 = ki - k1;
        var bias = Vector512.Create(127);
        var f1 = Vector512.ShiftLeft(k1 + bias, 23).AsSingle();
        var f2 = Vector512.ShiftLeft(k2 + bias, 23).AsSingle();
        return (p.AsSingle() * f1 * f2).As<float, T>();
    }

    static readonly Vector512<int> TransposedOrder = Vector512.Create(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);

    /// <summary>Row sums of a Lanes×Lanes block; float on AVX-512 by a transpose-and-add tree (46 instructions for 16 sums).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SumRows(T* rows, T* dst)
    {
        if (typeof(T) == typeof(float) && Avx512F.IsSupported)
        {
            float* r = (float*)rows;
            // Level 1: row pairs → [r_a: 8 partials | r_b: 8 partials].
            static Vector512<float> Pair(float* a, float* b)
            {
                Vector512<float> x = Vector512.Load(a), y = Vector512.Load(b);
                return Avx512F.Shuffle4x128(x, y, 0x44) + Avx512F.Shuffle4x128(x, y, 0xEE);
            }
            // Level 2: → 128-bit block i holds 4 partials of row i.
            static Vector512<float> Quad(Vector512<float> x, Vector512<float> y) => Avx512F.Shuffle4x128(x, y, 0x88) + Avx512F.Shuffle4x128(x, y, 0xDD);
            // Levels 3 and 4: in-block shuffles; block i ends up as (y_i, y_i+4, y_i+8, y_i+12).
            static Vector512<float> Half(Vector512<float> x, Vector512<float> y) => Avx512F.Shuffle(x, y, 0x88) + Avx512F.Shuffle(x, y, 0xDD);
            var q0 = Quad(Pair(r, r + 16), Pair(r + 32, r + 48));
            var q1 = Quad(Pair(r + 64, r + 80), Pair(r + 96, r + 112));
            var q2 = Quad(Pair(r + 128, r + 144), Pair(r + 160, r + 176));
            var q3 = Quad(Pair(r + 192, r + 208), Pair(r + 224, r + 240));
            var sums = Half(Half(q0, q1), Half(q2, q3));
            Avx512F.PermuteVar16x32(sums, TransposedOrder).Store((float*)dst);
            return;
        }
        for (int i = 0; i < Lanes; i++) dst[i] = Sum(Load(rows + i * Lanes));
    }
}
