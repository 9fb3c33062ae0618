using System.Runtime.CompilerServices;

namespace MambaIR.Ops.Cpu;

internal static unsafe partial class FusedSs2dBlock<T, TV, S>
{
    /// <summary>
    /// One block's reverse pass through one chunk of direction <paramref name="k"/> (steps [0, count) at
    /// <paramref name="pixels"/>): first the chunk's δ, softplus′, u, δu, states and decays are recomputed from the state
    /// <paramref name="h0"/> that entered it (exactly as the forward computed them), then the adjoint runs backwards:
    /// <code>
    /// G = g·C + carry;  dC += g·h;  dB += G·δu;  Σ G·B;  t = G⊙h_prev⊙decay;  Σ t·A;  dA += t·δ;  carry = G⊙decay
    /// dδ = u·ΣG·B + Σt·A;  dpre = dδ·σ(pre);  du = δ·ΣG·B + D·g;  dW += dpre·dts;  d(dts) += dpre·W;  dbias += dpre;  dD += g·u
    /// </code>
    /// The per-step sums over channels (d(dts), dB, dC) are added, still as vectors, into <paramref name="acc"/>
    /// (count × (R + 2N) vectors of <paramref name="accLanes"/> lanes, this block's lanes first); du goes into dx, assigned
    /// for the first direction and added for the others.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(FusedSs2dProblem<T> p, FusedSs2dBackwardTargets<T> o, int b, int k, ChannelBlock blk, int* pixels, int count, FusedSs2dTile<T> tile,
        T* h0, FusedSs2dBlockState<T> st, FusedSs2dChunkBuffers<T> w, T* acc, int accLanes, bool accumulateDx, T* stage)
    {
        int n = p.StateSize, r = p.Rank, dp = p.PaddedChannels, di = p.Channels, lanes = S.Lanes, stride = tile.Stride;
        int accStride = (r + 2 * n) * accLanes;
        bool partial = blk.Count < lanes;
        T* wt = p.DtWeight + (long)k * r * dp + blk.Start;
        T* a = p.A + (long)k * n * dp + blk.Start;
        T* decayA = p.DecayA + (long)k * n * dp + blk.Start;
        TV bias = S.Load(p.DtBias + (long)k * dp + blk.Start), dv = S.Load(p.D + (long)k * dp + blk.Start);
        long batchPixels = (long)b * p.Length;
        T* x = p.X + batchPixels * di + blk.Start;
        T* gy = o.GradY + batchPixels * di + blk.Start, dx = o.GradX + batchPixels * di + blk.Start;

        // Recompute the chunk.
        T* hPrev = h0;
        for (int i = 0; i < count; i++)
        {
            TV pre = DeltaPre(tile.Dts + i, stride, wt, dp, r, bias);
            TV dt = VectorMath.Softplus<TV, T, S>(pre);
            T* xr = x + (long)pixels[i] * di;
            TV u = partial ? LoadPartial(xr, blk.Count, stage) : S.Load(xr);
            TV dtu = S.Mul(dt, u);
            S.Store(w.Dt + i * lanes, dt);
            S.Store(w.Dsp + i * lanes, VectorMath.SoftplusDerivative<TV, T, S>(pre));
            S.Store(w.U + i * lanes, u);
            S.Store(w.Dtu + i * lanes, dtu);
            T* hl = w.States + (long)i * n * lanes, dl = w.Decays + (long)i * n * lanes;
            for (int j = 0; j < n; j++)
            {
                TV decay = S.DecayExp(S.Mul(dt, S.Load(decayA + (long)j * dp)));
                S.Store(dl + j * lanes, decay);
                S.Store(hl + j * lanes, S.MulAdd(decay, S.Load(hPrev + j * lanes), S.Mul(dtu, S.Splat(tile.B[j * stride + i]))));
            }
            hPrev = hl;
        }

        // The adjoint, backwards.
        TV dBias = S.Load(st.DtBias), dD = S.Load(st.D);
        for (int i = count - 1; i >= 0; i--)
        {
            long px = pixels[i];
            T* gr = gy + px * di;
            TV g = partial ? LoadPartial(gr, blk.Count, stage) : S.Load(gr);
            TV dt = S.Load(w.Dt + i * lanes), u = S.Load(w.U + i * lanes), dtu = S.Load(w.Dtu + i * lanes);
            T* hl = w.States + (long)i * n * lanes, dl = w.Decays + (long)i * n * lanes;
            T* hp = i == 0 ? h0 : hl - n * lanes;
            T* accRow = acc + (long)i * accStride;
            TV sumB = S.Zero, sumA = S.Zero;
            for (int j = 0; j < n; j++)
            {
                TV carry = S.Load(st.Carry + j * lanes), decay = S.Load(dl + j * lanes);
                TV dh = S.MulAdd(g, S.Splat(tile.C[j * stride + i]), carry);
                T* dC = accRow + (r + n + j) * accLanes, dB = accRow + (r + j) * accLanes;
                S.Store(dC, S.MulAdd(g, S.Load(hl + j * lanes), S.Load(dC)));
                S.Store(dB, S.MulAdd(dh, dtu, S.Load(dB)));
                sumB = S.MulAdd(dh, S.Splat(tile.B[j * stride + i]), sumB);
                TV t = S.Mul(S.Mul(dh, S.Load(hp + j * lanes)), decay);
                sumA = S.MulAdd(t, S.Load(a + (long)j * dp), sumA);
                S.Store(st.GradA + j * lanes, S.MulAdd(t, dt, S.Load(st.GradA + j * lanes)));
                S.Store(st.Carry + j * lanes, S.Mul(dh, decay));
            }
            TV dpre = S.Mul(S.MulAdd(u, sumB, sumA), S.Load(w.Dsp + i * lanes));
            TV du = S.MulAdd(dt, sumB, S.Mul(dv, g));
            T* dxr = dx + px * di;
            if (partial)
            {
                if (accumulateDx) du = S.Add(du, LoadPartial(dxr, blk.Count, stage));
                StorePartial(dxr, blk.Count, du, stage);
            }
            else
            {
                if (accumulateDx) du = S.Add(du, S.Load(dxr));
                S.Store(dxr, du);
            }
            for (int q = 0; q < r; q++)
            {
                S.Store(st.DtWeight + q * lanes, S.MulAdd(dpre, S.Splat(tile.Dts[q * stride + i]), S.Load(st.DtWeight + q * lanes)));
                T* dq = accRow + q * accLanes;
                S.Store(dq, S.MulAdd(dpre, S.Load(wt + (long)q * dp), S.Load(dq)));
            }
            dBias = S.Add(dBias, dpre);
            dD = S.MulAdd(g, u, dD);
        }
        S.Store(st.DtBias, dBias);
        S.Store(st.D, dD);
    }

    /// <summary>The lanes of each of the <paramref name="vectors"/> vectors at <paramref name="src"/> summed into <paramref name="dst"/>[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumVectors(T* src, int vectors, T* dst)
    {
        int lanes = S.Lanes, i = 0;
        for (; i + lanes <= vectors; i += lanes) S.SumRows(src + (long)i * lanes, dst + i);
        for (; i < vectors; i++) dst[i] = S.Sum(S.Load(src + (long)i * lanes));
    }
}

/// <summary>A block's running sums over a direction, and its adjoint carry: each (N or R or 1) vectors of the block's lanes.</summary>
internal readonly unsafe struct FusedSs2dBlockState<T> where T : unmanaged
{
    public readonly T* Carry, GradA, DtWeight, DtBias, D;

    public FusedSs2dBlockState(T* memory, int n, int r, int lanes)
    {
        Carry = memory; GradA = Carry + n * lanes; DtWeight = GradA + n * lanes; DtBias = DtWeight + r * lanes; D = DtBias + lanes;
    }

    /// <summary>Elements of one block's state.</summary>
    public static int Size(int n, int r, int lanes) => (2 * n + r + 2) * lanes;
}

/// <summary>One chunk's recomputed forward for one block: per step δ, softplus′, u, δu (a vector each), states and decays (N vectors each).</summary>
internal readonly unsafe struct FusedSs2dChunkBuffers<T> where T : unmanaged
{
    public readonly T* Dt, Dsp, U, Dtu, States, Decays;

    public FusedSs2dChunkBuffers(Workspace<T> ws, int chunk, int n, int lanes)
    {
        Dt = ws.Take(chunk * lanes); Dsp = ws.Take(chunk * lanes); U = ws.Take(chunk * lanes); Dtu = ws.Take(chunk * lanes);
        States = ws.Take(chunk * n * lanes); Decays = ws.Take(chunk * n * lanes);
    }

    public static int Size(int chunk, int n, int lanes) => 4 * Workspace<T>.Size(chunk * lanes) + 2 * Workspace<T>.Size(chunk * n * lanes);
}

/// <summary>
/// Inputs and outputs of the fused backward. dx is written per channel (each work item owns its channels); the sums over
/// channels of x_proj's gradient are written per work item as partials in the layouts of the x_proj outputs, and
/// the per-channel weight gradients per batch element, (B, 4, ·, Dp); all are reduced afterwards with tensor ops.
/// </summary>
internal sealed unsafe class FusedSs2dBackwardTargets<T> where T : unmanaged
{
    /// <summary>(B, L, D_i).</summary>
    public required T* GradY { get; init; }
    /// <summary>(B, 4, chunks, N, Dp), from the forward.</summary>
    public required T* Checkpoints { get; init; }
    /// <summary>(B, L, D_i).</summary>
    public required T* GradX { get; init; }
    /// <summary>(Groups, 2·(R + 2N), B·L) each: the layouts of <see cref="FusedSs2dProblem{T}.ProjRow"/> and <see cref="FusedSs2dProblem{T}.ProjCol"/>.</summary>
    public required T* GradProjRowPartial { get; init; }
    public required T* GradProjColPartial { get; init; }
    public required int Groups { get; init; }
    /// <summary>(B, 4, R, Dp), (B, 4, Dp), (B, 4, N, Dp), (B, 4, Dp).</summary>
    public required T* GradDtWeight { get; init; }
    public required T* GradDtBias { get; init; }
    public required T* GradA { get; init; }
    public required T* GradD { get; init; }
}
