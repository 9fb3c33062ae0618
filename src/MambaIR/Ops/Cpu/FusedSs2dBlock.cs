using System.Numerics;
using System.Runtime.CompilerServices;

namespace MambaIR.Ops.Cpu;

/// <summary>
/// The per-block loops of <see cref="FusedSs2dKernel{T}"/> for one vector width: one block of channels, a run of steps of
/// one direction, with the block's state (N vectors) in a scratch buffer.
/// </summary>
internal static unsafe partial class FusedSs2dBlock<T, TV, S>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TV : struct
    where S : struct, ISimd<TV, T>
{
    /// <summary>
    /// Steps i ∈ [0, count) of direction <paramref name="k"/> at pixels <paramref name="pixels"/>[i] for block
    /// <paramref name="blk"/> of batch element <paramref name="b"/>: δ = softplus(Σ_r dts_r·W_r + bias), h = exp(δA)⊙h + δu·B,
    /// y[pixel] (+)= D·u + Σₙ hₙ·Cₙ (written for the first direction, added for the others).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(FusedSs2dProblem<T> p, int b, int k, ChannelBlock blk, int* pixels, int count, T* h, T* y, bool accumulate, T* stage)
    {
        int n = p.StateSize, r = p.Rank, dp = p.PaddedChannels, di = p.Channels, lanes = S.Lanes, ps = p.ProjStride;
        bool partial = blk.Count < lanes;
        T* wt = p.DtWeight + (long)k * r * dp + blk.Start;
        T* a = p.DecayA + (long)k * n * dp + blk.Start;
        TV bias = S.Load(p.DtBias + (long)k * dp + blk.Start), dv = S.Load(p.D + (long)k * dp + blk.Start);
        long batchPixels = (long)b * p.Length;
        T* x = p.X + batchPixels * di + blk.Start, yb = y + batchPixels * di + blk.Start;
        T* proj = p.Proj + batchPixels * ps + k * p.ProjPerDirection;
        for (int i = 0; i < count; i++)
        {
            long px = pixels[i];
            T* row = proj + px * ps;
            TV pre = bias;
            for (int q = 0; q < r; q++) pre = S.MulAdd(S.Splat(row[q]), S.Load(wt + (long)q * dp), pre);
            TV dt = VectorMath.Softplus<TV, T, S>(pre);
            T* xr = x + px * di, yr = yb + px * di;
            TV u = partial ? LoadPartial(xr, blk.Count, stage) : S.Load(xr);
            TV dtu = S.Mul(dt, u), acc = S.Mul(dv, u);
            T* bn = row + r, cn = row + r + n;
            for (int j = 0; j < n; j++)
            {
                TV hv = S.MulAdd(S.DecayExp(S.Mul(dt, S.Load(a + (long)j * dp))), S.Load(h + j * lanes), S.Mul(dtu, S.Splat(bn[j])));
                S.Store(h + j * lanes, hv);
                acc = S.MulAdd(hv, S.Splat(cn[j]), acc);
            }
            if (partial)
            {
                if (accumulate) acc = S.Add(acc, LoadPartial(yr, blk.Count, stage));
                StorePartial(yr, blk.Count, acc, stage);
            }
            else
            {
                if (accumulate) acc = S.Add(acc, S.Load(yr));
                S.Store(yr, acc);
            }
        }
    }

    /// <summary>The first <paramref name="count"/> elements at <paramref name="src"/>, the other lanes 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TV LoadPartial(T* src, int count, T* stage)
    {
        for (int i = 0; i < S.Lanes; i++) stage[i] = i < count ? src[i] : T.Zero;
        return S.Load(stage);
    }

    /// <summary>Stores the first <paramref name="count"/> lanes of <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StorePartial(T* dst, int count, TV v, T* stage)
    {
        S.Store(stage, v);
        for (int i = 0; i < count; i++) dst[i] = stage[i];
    }
}
