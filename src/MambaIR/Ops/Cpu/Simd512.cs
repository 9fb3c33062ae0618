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
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector512<T> v) => Vector512.Sum(v);

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

    /// <summary>float: the hand-written <see cref="VectorMath.ExpF32{TV,S}"/>; double: .NET's vectorised Exp (accurate to ~1 ulp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp(Vector512<T> x) => typeof(T) == typeof(float)
        ? VectorMath.ExpF32<Vector512<float>, Simd512<float>>(x.AsSingle()).As<float, T>()
        : Vector512.Exp(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Log(Vector512<T> x) => typeof(T) == typeof(float)
        ? Vector512.Log(x.AsSingle()).As<float, T>()
        : Vector512.Log(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ScaleB(Vector512<T> p, Vector512<T> k)
    {
        if (typeof(T) != typeof(float)) throw new NotSupportedException("ScaleB is only used by the float exp");
        if (Avx512F.IsSupported) return Avx512F.Scale(p.AsSingle(), k.AsSingle()).As<float, T>();
        // Two steps of 2^(k/2) keep each factor a normal float for k in [-252, 254].
        var ki = Vector512.ConvertToInt32(k.AsSingle());
        var k1 = Vector512.ShiftRightArithmetic(ki, 1);
        var k2 = ki - k1;
        var bias = Vector512.Create(127);
        var f1 = Vector512.ShiftLeft(k1 + bias, 23).AsSingle();
        var f2 = Vector512.ShiftLeft(k2 + bias, 23).AsSingle();
        return (p.AsSingle() * f1 * f2).As<float, T>();
    }
}
