using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

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
    /// <paramref name="blk"/> of batch element <paramref name="b"/>, in three passes over the tile, each free of long
    /// dependency chains: (1) δ = softplus(Σ_r dts_r·W_r + bias), δu and D·u for every step; (2) for each state n, the
    /// recurrence h = exp(δA)⊙h + δu·B over the steps with h in a register, adding h·C into the tile's outputs;
    /// (3) the outputs written to y[pixel] (assigned for the first direction, added for the others).
    /// The tile's dts, B and C come transposed in <paramref name="tile"/>; the block's state <paramref name="h"/> (N vectors)
    /// carries over between tiles; <paramref name="checkpoint"/>, when not null, receives the state entering the tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(FusedSs2dProblem<T> p, int b, int k, ChannelBlock blk, int* pixels, int count, FusedSs2dTile<T> tile,
        T* h, T* y, bool accumulate, T* checkpoint, FusedSs2dStepBuffers<T> w, T* stage)
    {
        int n = p.StateSize, r = p.Rank, dp = p.PaddedChannels, di = p.Channels, lanes = S.Lanes, stride = tile.Stride;
        bool partial = blk.Count < lanes;
        T* wt = p.DtWeight + (long)k * r * dp + blk.Start;
        T* a = p.DecayA + (long)k * n * dp + blk.Start;
        TV bias = S.Load(p.DtBias + (long)k * dp + blk.Start), dv = S.Load(p.D + (long)k * dp + blk.Start);
        long batchPixels = (long)b * p.Length;
        T* x = p.X + batchPixels * di + blk.Start, yb = y + batchPixels * di + blk.Start;

        DeltaPreTile(tile.Dts, stride, wt, dp, r, bias, w.Dt, count);
        for (int i = 0; i < count; i++)
        {
            TV dt = VectorMath.Softplus<TV, T, S>(S.Load(w.Dt + i * lanes));
            T* xr = x + (long)pixels[i] * di;
            TV u = partial ? LoadPartial(xr, blk.Count, stage) : S.Load(xr);
            S.Store(w.Dt + i * lanes, dt);
            S.Store(w.Dtu + i * lanes, S.Mul(dt, u));
            S.Store(w.Y + i * lanes, S.Mul(dv, u));
        }

        if (checkpoint != null)
            for (int j = 0; j < n; j++) S.Store(checkpoint + (long)j * dp, S.Load(h + j * lanes));
        // Four states at a time (float, AVX-512), then two: independent recurrences per step sharing the loads of δ, δu and the outputs.
        var decay = new DecayExponential<T, TV, S>();
        int jj = 0;
        if (typeof(T) == typeof(float) && Avx512F.VL.IsSupported)
            for (; jj + 4 <= n; jj += 4)
                RecurQuad(a + (long)jj * dp, dp, h + jj * lanes, tile.B + jj * stride, tile.C + jj * stride, stride, w.Dt, w.Dtu, w.Y, count);
        for (; jj + 2 <= n; jj += 2)
            RecurPair(S.Load(a + (long)jj * dp), S.Load(a + (long)(jj + 1) * dp), h + jj * lanes, h + (jj + 1) * lanes,
                tile.B + jj * stride, tile.B + (jj + 1) * stride, tile.C + jj * stride, tile.C + (jj + 1) * stride, w.Dt, w.Dtu, w.Y, count);
        if (jj < n)
        {
            TV aj = S.Load(a + (long)jj * dp), hv = S.Load(h + jj * lanes);
            T* bj = tile.B + jj * stride, cj = tile.C + jj * stride;
            T* dt = w.Dt, dtu = w.Dtu, yt = w.Y;
            for (int i = 0; i < count; i++, dt += lanes, dtu += lanes, yt += lanes)
            {
                hv = S.MulAdd(decay.Of(S.Mul(S.Load(dt), aj)), hv, S.Mul(S.Load(dtu), S.Splat(bj[i])));
                S.Store(yt, S.MulAdd(hv, S.Splat(cj[i]), S.Load(yt)));
            }
            S.Store(h + jj * lanes, hv);
        }

        for (int i = 0; i < count; i++)
        {
            T* yr = yb + (long)pixels[i] * di;
            TV o = S.Load(w.Y + i * lanes);
            if (partial)
            {
                if (accumulate) o = S.Add(o, LoadPartial(yr, blk.Count, stage));
                StorePartial(yr, blk.Count, o, stage);
            }
            else
            {
                if (accumulate) o = S.Add(o, S.Load(yr));
                S.Store(yr, o);
            }
        }
    }

    /// <summary>
    /// Four states' recurrences over a tile (float with AVX-512): as <see cref="RecurPair"/>, with four independent chains per
    /// step sharing the loads of δ and δu and one load and store of the outputs, which leaves more of each step to the
    /// multiply-add units (≈ 10 % fewer cycles per state update than pairs on an AVX-512 Xeon). States j…j+3 are at
    /// <paramref name="a"/> + s·<paramref name="dp"/>, <paramref name="h"/> + s·Lanes, and <paramref name="b"/>, <paramref name="c"/> + s·<paramref name="stride"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void RecurQuad(T* a, int dp, T* h, T* b, T* c, int stride, T* dt, T* dtu, T* yt, int count)
    {
        int lanes = S.Lanes;
        TV a0 = S.Load(a), a1 = S.Load(a + dp), a2 = S.Load(a + 2 * dp), a3 = S.Load(a + 3 * dp);
        TV h0 = S.Load(h), h1 = S.Load(h + lanes), h2 = S.Load(h + 2 * lanes), h3 = S.Load(h + 3 * lanes);
        T* b1 = b + stride, b2 = b + 2 * stride, b3 = b + 3 * stride, c1 = c + stride, c2 = c + 2 * stride, c3 = c + 3 * stride;
        TV k5 = S.Splat(T.CreateTruncating(VectorMath.Exp2C5)), k4 = S.Splat(T.CreateTruncating(VectorMath.Exp2C4));
        TV k3 = S.Splat(T.CreateTruncating(VectorMath.Exp2C3)), k2 = S.Splat(T.CreateTruncating(VectorMath.Exp2C2));
        TV k1 = S.Splat(T.CreateTruncating(VectorMath.Exp2C1)), one = S.Splat(T.One);
        for (int i = 0; i < count; i++, dt += lanes, dtu += lanes, yt += lanes)
        {
            TV dtv = S.Load(dt), dtuv = S.Load(dtu);
            TV x0 = S.Mul(dtv, a0), x1 = S.Mul(dtv, a1), x2 = S.Mul(dtv, a2), x3 = S.Mul(dtv, a3);
            TV f0 = S.FloorFraction(x0), f1 = S.FloorFraction(x1), f2 = S.FloorFraction(x2), f3 = S.FloorFraction(x3);
            TV q0 = S.MulAdd(k5, f0, k4), q1 = S.MulAdd(k5, f1, k4), q2 = S.MulAdd(k5, f2, k4), q3 = S.MulAdd(k5, f3, k4);
            q0 = S.MulAdd(q0, f0, k3); q1 = S.MulAdd(q1, f1, k3); q2 = S.MulAdd(q2, f2, k3); q3 = S.MulAdd(q3, f3, k3);
            q0 = S.MulAdd(q0, f0, k2); q1 = S.MulAdd(q1, f1, k2); q2 = S.MulAdd(q2, f2, k2); q3 = S.MulAdd(q3, f3, k2);
            q0 = S.MulAdd(q0, f0, k1); q1 = S.MulAdd(q1, f1, k1); q2 = S.MulAdd(q2, f2, k1); q3 = S.MulAdd(q3, f3, k1);
            TV e0 = S.ScaleB(S.MulAdd(q0, f0, one), x0), e1 = S.ScaleB(S.MulAdd(q1, f1, one), x1);
            TV e2 = S.ScaleB(S.MulAdd(q2, f2, one), x2), e3 = S.ScaleB(S.MulAdd(q3, f3, one), x3);
            h0 = S.MulAdd(e0, h0, S.Mul(dtuv, S.Splat(b[i])));
            h1 = S.MulAdd(e1, h1, S.Mul(dtuv, S.Splat(b1[i])));
            h2 = S.MulAdd(e2, h2, S.Mul(dtuv, S.Splat(b2[i])));
            h3 = S.MulAdd(e3, h3, S.Mul(dtuv, S.Splat(b3[i])));
            TV near = S.MulAdd(h1, S.Splat(c1[i]), S.MulAdd(h0, S.Splat(c[i]), S.Load(yt)));
            TV far = S.MulAdd(h3, S.Splat(c3[i]), S.Mul(h2, S.Splat(c2[i])));
            S.Store(yt, S.Add(near, far));
        }
        S.Store(h, h0); S.Store(h + lanes, h1); S.Store(h + 2 * lanes, h2); S.Store(h + 3 * lanes, h3);
    }

    /// <summary>
    /// Two states' recurrences over a tile, h = exp(δA)⊙h + δu·B, adding h·C into the outputs <paramref name="yt"/>: two
    /// independent chains per step sharing the loads of δ, δu and y. For float the decay's polynomial constants are locals
    /// here so that they stay in registers (see <see cref="DecayExponential{T,TV,S}"/>, whose arithmetic this repeats).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void RecurPair(TV a0, TV a1, T* h0p, T* h1p, T* b0, T* b1, T* c0, T* c1, T* dt, T* dtu, T* yt, int count)
    {
        int lanes = S.Lanes;
        TV h0 = S.Load(h0p), h1 = S.Load(h1p);
        if (typeof(T) == typeof(float) && Avx512F.VL.IsSupported)
        {
            TV k5 = S.Splat(T.CreateTruncating(VectorMath.Exp2C5)), k4 = S.Splat(T.CreateTruncating(VectorMath.Exp2C4));
            TV k3 = S.Splat(T.CreateTruncating(VectorMath.Exp2C3)), k2 = S.Splat(T.CreateTruncating(VectorMath.Exp2C2));
            TV k1 = S.Splat(T.CreateTruncating(VectorMath.Exp2C1)), one = S.Splat(T.One);
            for (int i = 0; i < count; i++, dt += lanes, dtu += lanes, yt += lanes)
            {
                TV dtv = S.Load(dt), dtuv = S.Load(dtu);
                TV x0 = S.Mul(dtv, a0), x1 = S.Mul(dtv, a1);
                TV f0 = S.FloorFraction(x0), f1 = S.FloorFraction(x1);
                TV q0 = S.MulAdd(k5, f0, k4), q1 = S.MulAdd(k5, f1, k4);
                q0 = S.MulAdd(q0, f0, k3); q1 = S.MulAdd(q1, f1, k3);
                q0 = S.MulAdd(q0, f0, k2); q1 = S.MulAdd(q1, f1, k2);
                q0 = S.MulAdd(q0, f0, k1); q1 = S.MulAdd(q1, f1, k1);
                TV e0 = S.ScaleB(S.MulAdd(q0, f0, one), x0), e1 = S.ScaleB(S.MulAdd(q1, f1, one), x1);
                h0 = S.MulAdd(e0, h0, S.Mul(dtuv, S.Splat(b0[i])));
                h1 = S.MulAdd(e1, h1, S.Mul(dtuv, S.Splat(b1[i])));
                S.Store(yt, S.MulAdd(h1, S.Splat(c1[i]), S.MulAdd(h0, S.Splat(c0[i]), S.Load(yt))));
            }
        }
        else
        {
            var decay = new DecayExponential<T, TV, S>();
            for (int i = 0; i < count; i++, dt += lanes, dtu += lanes, yt += lanes)
            {
                TV dtv = S.Load(dt), dtuv = S.Load(dtu);
                h0 = S.MulAdd(decay.Of(S.Mul(dtv, a0)), h0, S.Mul(dtuv, S.Splat(b0[i])));
                h1 = S.MulAdd(decay.Of(S.Mul(dtv, a1)), h1, S.Mul(dtuv, S.Splat(b1[i])));
                S.Store(yt, S.MulAdd(h1, S.Splat(c1[i]), S.MulAdd(h0, S.Splat(c0[i]), S.Load(yt))));
            }
        }
        S.Store(h0p, h0);
        S.Store(h1p, h1);
    }

    /// <summary>
    /// <see cref="DeltaPre"/> for steps [0, <paramref name="count"/>) of a tile into <paramref name="dst"/> (one vector per
    /// step), four steps at a time: each rank's weight row is loaded once for the four, and the eight sums are independent
    /// chains — one step at a time, the loop's address arithmetic and its two dependent chains left the step loop of the
    /// forward slower than the block's sixteen recurrences. The same operations in the same order as DeltaPre, so the
    /// backward's recomputation of δ gives the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void DeltaPreTile(T* dts, int stride, T* wt, int dp, int r, TV bias, T* dst, int count)
    {
        int lanes = S.Lanes, i = 0;
        for (; i + 4 <= count; i += 4)
        {
            TV e0 = bias, e1 = bias, e2 = bias, e3 = bias, o0 = S.Zero, o1 = S.Zero, o2 = S.Zero, o3 = S.Zero;
            T* d = dts + i;
            T* w = wt;
            int q = 0;
            for (; q + 2 <= r; q += 2, d += 2 * stride, w += 2 * dp)
            {
                TV we = S.Load(w), wo = S.Load(w + dp);
                T* dn = d + stride;
                e0 = S.MulAdd(S.Splat(d[0]), we, e0); o0 = S.MulAdd(S.Splat(dn[0]), wo, o0);
                e1 = S.MulAdd(S.Splat(d[1]), we, e1); o1 = S.MulAdd(S.Splat(dn[1]), wo, o1);
                e2 = S.MulAdd(S.Splat(d[2]), we, e2); o2 = S.MulAdd(S.Splat(dn[2]), wo, o2);
                e3 = S.MulAdd(S.Splat(d[3]), we, e3); o3 = S.MulAdd(S.Splat(dn[3]), wo, o3);
            }
            if (q < r)
            {
                TV we = S.Load(w);
                e0 = S.MulAdd(S.Splat(d[0]), we, e0); e1 = S.MulAdd(S.Splat(d[1]), we, e1);
                e2 = S.MulAdd(S.Splat(d[2]), we, e2); e3 = S.MulAdd(S.Splat(d[3]), we, e3);
            }
            T* o = dst + i * lanes;
            S.Store(o, S.Add(e0, o0)); S.Store(o + lanes, S.Add(e1, o1));
            S.Store(o + 2 * lanes, S.Add(e2, o2)); S.Store(o + 3 * lanes, S.Add(e3, o3));
        }
        for (; i < count; i++) S.Store(dst + i * lanes, DeltaPre(dts + i, stride, wt, dp, r, bias));
    }

    /// <summary>
    /// bias + Σ_q dts_q·W_q for one step (dts_q at <paramref name="dts"/>[q·stride], W_q the block's row q of the transposed
    /// dt_proj weight), as two interleaved sums so that the R multiply-adds are not one dependency chain. The forward and the
    /// backward's recomputation use this same order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TV DeltaPre(T* dts, int stride, T* wt, int dp, int r, TV bias)
    {
        TV even = bias, odd = S.Zero;
        int q = 0;
        for (; q + 2 <= r; q += 2)
        {
            even = S.MulAdd(S.Splat(dts[q * stride]), S.Load(wt + (long)q * dp), even);
            odd = S.MulAdd(S.Splat(dts[(q + 1) * stride]), S.Load(wt + (long)(q + 1) * dp), odd);
        }
        if (q < r) even = S.MulAdd(S.Splat(dts[q * stride]), S.Load(wt + (long)q * dp), even);
        return S.Add(even, odd);
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

/// <summary>One tile's x_proj outputs for one direction, each quantity's steps contiguous: dts (R × Stride), B and C (N × Stride).</summary>
internal readonly unsafe struct FusedSs2dTile<T> where T : unmanaged
{
    public readonly T* Dts, B, C;
    public readonly int Stride;

    public FusedSs2dTile(Workspace<T> ws, int stride, int n, int r)
    {
        Stride = stride; Dts = ws.Take(r * stride); B = ws.Take(n * stride); C = ws.Take(n * stride);
    }

    public static int Size(int stride, int n, int r) => Workspace<T>.Size(r * stride) + 2 * Workspace<T>.Size(n * stride);

    /// <summary>Quantity q's row of the tile (dts, then B, then C).</summary>
    public T* Row(int q, int r, int n) => q < r ? Dts + q * Stride : q < r + n ? B + (q - r) * Stride : C + (q - r - n) * Stride;

    /// <summary>Copies direction <paramref name="k"/>'s dts, B, C of steps [l0, l0 + count) out of the x_proj layouts (contiguous
    /// runs, reversed for directions 2 and 3).</summary>
    public void Gather(FusedSs2dProblem<T> p, int b, int k, int l0, int count, int* pixels)
    {
        int n = p.StateSize, r = p.Rank;
        T* src = p.ProjBase(b, k);
        for (int q = 0; q < r + 2 * n; q++)
        {
            T* row = src + q * p.ProjRowStride;
            T* d = Row(q, r, n);
            if ((k & 1) == 1) { for (int i = 0; i < count; i++) d[i] = row[pixels[i]]; continue; }
            var dst = new Span<T>(d, count);
            if (k < 2) new ReadOnlySpan<T>(row + l0, count).CopyTo(dst);
            else { new ReadOnlySpan<T>(row + p.Length - l0 - count, count).CopyTo(dst); dst.Reverse(); }
        }
    }
}

/// <summary>A block's per-step vectors over one tile of the forward: δ, δu, and the outputs being summed.</summary>
internal readonly unsafe struct FusedSs2dStepBuffers<T> where T : unmanaged
{
    public readonly T* Dt, Dtu, Y;

    /// <remarks>Each buffer is one vector longer than needed: 64 steps of 512-bit vectors are exactly 4 KiB, and buffers 4 KiB
    /// apart make the loads of one alias the stores of another (false store-to-load forwarding dependencies).</remarks>
    public FusedSs2dStepBuffers(Workspace<T> ws, int steps, int lanes)
    {
        Dt = ws.Take((steps + 1) * lanes); Dtu = ws.Take((steps + 1) * lanes); Y = ws.Take((steps + 1) * lanes);
    }

    public static int Size(int steps, int lanes) => 3 * Workspace<T>.Size((steps + 1) * lanes);
}
