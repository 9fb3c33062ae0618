using System.Numerics;
using System.Runtime.CompilerServices;

namespace MambaIR.Ops.Cpu;

/// <summary>
/// The selective-scan kernel, generic over the element type and the vector width (<see cref="ISimd{TV,T}"/>):
/// sequential over the sequence, parallel over (batch, channel) rows, vectorised over the state.
/// Each row keeps only its (Np) state; nothing of size (Bt, Dm, L, N) is ever built.
/// This part holds the row helpers shared by <c>ScanKernel.Forward.cs</c> and <c>ScanKernel.Backward.cs</c>.
/// </summary>
internal static unsafe partial class ScanKernel<T, TV, S>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TV : struct
    where S : struct, ISimd<TV, T>
{
    static int PaddedLength(int length) => (length + S.Lanes - 1) / S.Lanes * S.Lanes;

    /// <summary>Runs <paramref name="body"/> over [0, items) on up to <paramref name="threads"/> workers, each with its own workspace.</summary>
    static void ParallelOver(int items, int threads, int workspaceElements, Action<int, Workspace<T>> body) =>
        CpuParallel.For(items, threads, workspaceElements, body);

    /// <summary>A vector from <paramref name="src"/>[i..]; lanes at or past <paramref name="length"/> read as 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TV LoadRow(T* src, int i, int length, T* stage)
    {
        if (i + S.Lanes <= length) return S.Load(src + i);
        for (int k = 0; k < S.Lanes; k++) stage[k] = i + k < length ? src[i + k] : T.Zero;
        return S.Load(stage);
    }

    /// <summary>Stores the lanes of <paramref name="v"/> that fall before <paramref name="length"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreRow(T* dst, int i, int length, TV v, T* stage)
    {
        if (i + S.Lanes <= length) { S.Store(dst + i, v); return; }
        S.Store(stage, v);
        for (int k = 0; i + k < length; k++) dst[i + k] = stage[k];
    }

    /// <summary>
    /// δ = softplus(delta + bias) (or delta + bias), δ·u, and optionally dδ/d(delta) for <paramref name="length"/> steps of a
    /// row of channel <paramref name="d"/> from element <paramref name="offset"/>, over the padded length
    /// (δ·u is 0 in the padding, since u reads as 0 there).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void PrepareDelta(ScanProblem<T> p, int d, long offset, int length, T* dt, T* dtu, T* dsp, T* stage)
    {
        T* u = p.U + offset, delta = p.Delta + offset;
        TV bias = S.Splat(p.DeltaBias == null ? T.Zero : p.DeltaBias[d]);
        for (int i = 0; i < length; i += S.Lanes)
        {
            TV x = S.Add(LoadRow(delta, i, length, stage), bias);
            TV v = p.Softplus ? VectorMath.Softplus<TV, T, S>(x) : x;
            TV uv = LoadRow(u, i, length, stage);
            S.Store(dt + i, v);
            S.Store(dtu + i, S.Mul(v, uv));
            if (dsp != null) S.Store(dsp + i, p.Softplus ? VectorMath.SoftplusDerivative<TV, T, S>(x) : S.Splat(T.One));
        }
    }
}
