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
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector256<T> v) => Vector256.Sum(v);

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

    /// <summary>float: the hand-written <see cref="VectorMath.ExpF32{TV,S}"/>; double: .NET's vectorised Exp (accurate to ~1 ulp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp(Vector256<T> x) => typeof(T) == typeof(float)
        ? VectorMath.ExpF32<Vector256<float>, Simd256<float>>(x.AsSingle()).As<float, T>()
        : Vector256.Exp(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log(Vector256<T> x) => typeof(T) == typeof(float)
        ? Vector256.Log(x.AsSingle()).As<float, T>()
        : Vector256.Log(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ScaleB(Vector256<T> p, Vector256<T> k)
    {
        if (typeof(T) != typeof(float)) throw new NotSupportedException("ScaleB is only used by the float exp");
        if (Avx512F.VL.IsSupported) return Avx512F.VL.Scale(p.AsSingle(), k.AsSingle()).As<float, T>();
        // Two steps of 2^(k/2) keep each factor a normal float for k in [-252, 254].
        var ki = Vector256.ConvertToInt32(k.AsSingle());
        var k1 = Vector256.ShiftRightArithmetic(ki, 1);
        var k2 = ki - k1;
        var bias = Vector256.Create(127);
        var f1 = Vector256.ShiftLeft(k1 + bias, 23).AsSingle();
        var f2 = Vector256.ShiftLeft(k2 + bias, 23).AsSingle();
        return (p.AsSingle() * f1 * f2).As<float, T>();
    }
}
