using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MambaIR.Ops.Cpu;

/// <summary><see cref="ISimd{TV,T}"/> on Vector128&lt;T&gt; (128-bit vectors) of float or double.</summary>
internal unsafe readonly struct Simd128<T> : ISimd<Vector128<T>, T> where T : unmanaged
{
    /// <summary>Whether this width runs in hardware (otherwise .NET emulates it slowly).</summary>
    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;
    public static int Lanes => Vector128<T>.Count;
    public static Vector128<T> Zero => Vector128<T>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Splat(T x) => Vector128.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Load(T* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector128<T> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Add(Vector128<T> a, Vector128<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Sub(Vector128<T> a, Vector128<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Mul(Vector128<T> a, Vector128<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Div(Vector128<T> a, Vector128<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Abs(Vector128<T> a) => Vector128.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> GreaterThan(Vector128<T> a, Vector128<T> b) => Vector128.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Equal(Vector128<T> a, Vector128<T> b) => Vector128.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Select(Vector128<T> m, Vector128<T> t, Vector128<T> f) => Vector128.ConditionalSelect(m, t, f);
    /// <summary>Halving adds down to 128 bits (.NET's own Sum reduces each 128-bit block separately: 3× the instructions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector128<T> v) => Vector128.Sum(v);

    // x86 min/max return the second operand when either is NaN, so passing `a` second keeps NaN in `a`.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Min(Vector128<T> a, Vector128<T> b) => Vector128.MinNative(b, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Max(Vector128<T> a, Vector128<T> b) => Vector128.MaxNative(b, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MulAdd(Vector128<T> a, Vector128<T> b, Vector128<T> c) => typeof(T) == typeof(float)
        ? Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
        : Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Round(Vector128<T> a) => typeof(T) == typeof(float)
        ? Vector128.Round(a.AsSingle()).As<float, T>()
        : Vector128.Round(a.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> RoundingFraction(Vector128<T> a)
    {
        if (Avx512DQ.VL.IsSupported)
            return typeof(T) == typeof(float) ? Avx512DQ.VL.Reduce(a.AsSingle(), 0).As<float, T>() : Avx512DQ.VL.Reduce(a.AsDouble(), 0).As<double, T>();
        return a - Round(a);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> FloorFraction(Vector128<T> a)
    {
        if (Avx512DQ.VL.IsSupported)
            return typeof(T) == typeof(float) ? Avx512DQ.VL.Reduce(a.AsSingle(), 1).As<float, T>() : Avx512DQ.VL.Reduce(a.AsDouble(), 1).As<double, T>();
        return typeof(T) == typeof(float)
            ? (a.AsSingle() - Vector128.Floor(a.AsSingle())).As<float, T>()
            : (a.AsDouble() - Vector128.Floor(a.AsDouble())).As<double, T>();
    }

    /// <summary>float: the hand-written <see cref="VectorMath.ExpF32{TV,S}"/>; double: .NET's vectorised Exp (accurate to ~1 ulp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Exp(Vector128<T> x) => typeof(T) == typeof(float)
        ? VectorMath.ExpF32<Vector128<float>, Simd128<float>>(x.AsSingle()).As<float, T>()
        : Vector128.Exp(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> DecayExp(Vector128<T> x) => typeof(T) == typeof(float)
        ? VectorMath.Exp2F32<Vector128<float>, Simd128<float>>(x.AsSingle()).As<float, T>()
        : Vector128.Exp(x.AsDouble()).As<double, T>();

    public static double DecayScale => typeof(T) == typeof(float) ? Math.Log2(Math.E) : 1;

    /// <summary>float: <see cref="VectorMath.Log1pF32{TV,S}"/>; double: log(1+t)·t/((1+t)−1) with .NET's vectorised Log.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Log1p(Vector128<T> t)
    {
        if (typeof(T) == typeof(float)) return VectorMath.Log1pF32<Vector128<float>, Simd128<float>>(t.AsSingle()).As<float, T>();
        var td = t.AsDouble();
        var u = Vector128<double>.One + td;
        return Vector128.ConditionalSelect(Vector128.Equals(u, Vector128<double>.One), td, Vector128.Log(u) * td / (u - Vector128<double>.One)).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> ScaleB(Vector128<T> p, Vector128<T> k)
    {
        if (typeof(T) != typeof(float)) throw new NotSupportedException("ScaleB is only used by the float exp");
        if (Avx512F.VL.IsSupported) return Avx512F.VL.Scale(p.AsSingle(), k.AsSingle()).As<float, T>();
        // Two steps of 2^(k/2) keep each factor a normal float for k in [-252, 254].
        var ki = Vector128.ConvertToInt32(Vector128.Floor(k.AsSingle()));
        var k1 = Vector128.ShiftRightArithmetic(ki, 1);
        var k2 = ki - k1;
        var bias = Vector128.Create(127);
        var f1 = Vector128.ShiftLeft(k1 + bias, 23).AsSingle();
        var f2 = Vector128.ShiftLeft(k2 + bias, 23).AsSingle();
        return (p.AsSingle() * f1 * f2).As<float, T>();
    }

    /// <summary>Row sums of a Lanes×Lanes block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SumRows(T* rows, T* dst)
    {
        for (int i = 0; i < Lanes; i++) dst[i] = Sum(Load(rows + i * Lanes));
    }
}
