using System.Runtime.CompilerServices;

namespace MambaIR.Ops.Cpu;

internal static unsafe partial class ScanKernel<T, TV, S>
{
    /// <summary>
    /// Reverse-mode over the recurrence. Work items are (b, g, slice of the group's channels); each runs its channels one
    /// after another and is the only writer of its dB/dC partial rows, so the sum over the channels of a group is race-free.
    /// Per channel the chunks are visited last to first: the chunk's states and decays are recomputed from the forward's
    /// checkpoint into a (K·Np) buffer, then the adjoint runs backwards through it:
    /// <code>
    /// G_l = gy_l·C_l + exp(δ_{l+1}A)⊙G_{l+1}          (gy = grad_out·SiLU(z))
    /// dC_l += gy_l·h_l    dB_l += G_l·δ_l·u_l    dA += G_l⊙h_{l−1}⊙a_l·δ_l
    /// dδ_l = u_l·Σ G_l⊙B_l + Σ G_l⊙h_{l−1}⊙a_l⊙A      du_l = δ_l·Σ G_l⊙B_l + D·gy_l
    /// </code>
    /// then d(delta) = dδ·σ(delta + bias) under softplus, d(delta_bias) = Σ_l d(delta), dD = Σ_l gy·u, dz = grad_out·(y + D·u)·SiLU'(z).
    /// </summary>
    public static void Backward(ScanProblem<T> p, ScanBackwardTargets<T> o, int threads)
    {
        int lp = PaddedLength(p.Length), np = p.PaddedState, k = p.ChunkLength;
        int items = p.Batch * p.Groups * o.Slices;
        if (k % S.Lanes != 0) throw new ArgumentException($"chunk length {k} must be a multiple of {S.Lanes} lanes");
        int workspace = 8 * Workspace<T>.Size(lp) + 2 * Workspace<T>.Size(k * np) + 3 * Workspace<T>.Size(k * S.Lanes)
            + 2 * Workspace<T>.Size(np) + Workspace<T>.Size(S.Lanes);
        ParallelOver(items, threads, workspace, (item, ws) =>
        {
            int s = item % o.Slices, g = item / o.Slices % p.Groups, b = item / (o.Slices * p.Groups);
            var buffers = new RowBuffers(ws, lp, k, np);
            long part = ((long)(b * p.Groups + g) * o.Slices + s) * p.Length * np;
            int cpg = p.ChannelsPerGroup;
            for (int d = g * cpg + cpg * s / o.Slices, end = g * cpg + cpg * (s + 1) / o.Slices; d < end; d++)
                BackwardRow(p, o, b, d, o.GradBPartial + part, o.GradCPartial + part, buffers);
            ws.Reset();
        });
    }

    /// <summary>A worker's row buffers for the backward.</summary>
    /// <remarks>
    /// <see cref="SumB"/> and <see cref="SumA"/> collect Σₙ G⊙B and Σₙ G⊙h⊙a⊙A as one partial vector per step of a chunk, and
    /// <see cref="Products"/> collects h⊙C, all reduced a block of Lanes steps at a time by <see cref="ISimd{TV,T}.SumRows"/>
    /// into <see cref="SumBRow"/>, <see cref="SumARow"/> and <see cref="Y"/>.
    /// </remarks>
    readonly struct RowBuffers(Workspace<T> ws, int lp, int chunk, int np)
    {
        public readonly T* Dt = ws.Take(lp), Dtu = ws.Take(lp), Dsp = ws.Take(lp), Gy = ws.Take(lp),
            SumBRow = ws.Take(lp), SumARow = ws.Take(lp), Y = ws.Take(lp), ZSigmoid = ws.Take(lp),
            States = ws.Take(chunk * np), Decays = ws.Take(chunk * np),
            SumB = ws.Take(chunk * S.Lanes), SumA = ws.Take(chunk * S.Lanes), Products = ws.Take(chunk * S.Lanes),
            Carry = ws.Take(np), GradA = ws.Take(np), Stage = ws.Take(S.Lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void BackwardRow(ScanProblem<T> p, ScanBackwardTargets<T> o, int b, int d, T* dBPart, T* dCPart, RowBuffers w)
    {
        int length = p.Length, np = p.PaddedState, lanes = S.Lanes, g = d / p.ChannelsPerGroup;
        int row = b * p.Channels + d;
        long rowOffset = (long)row * length;
        T* u = p.U + rowOffset, gradOut = o.GradOutput + rowOffset, z = p.Z == null ? null : p.Z + rowOffset;
        PrepareDelta(p, d, rowOffset, length, w.Dt, w.Dtu, w.Dsp, w.Stage);

        // gy = grad·SiLU(z); dD = Σ gy·u.
        TV dD = S.Zero;
        for (int i = 0; i < length; i += lanes)
        {
            TV gv = LoadRow(gradOut, i, length, w.Stage);
            if (z != null)
            {
                TV zv = LoadRow(z, i, length, w.Stage), sg = VectorMath.Sigmoid<TV, T, S>(zv);
                S.Store(w.ZSigmoid + i, sg);
                gv = S.Mul(gv, S.Mul(zv, sg));
            }
            S.Store(w.Gy + i, gv);
            dD = S.MulAdd(gv, LoadRow(u, i, length, w.Stage), dD);
        }
        o.GradDPartial[row] = S.Sum(dD);

        for (int v = 0; v < np; v += lanes) { S.Store(w.Carry + v, S.Zero); S.Store(w.GradA + v, S.Zero); }
        if (o.GradLastState != null)
            for (int n = 0; n < p.StateSize; n++) w.Carry[n] = o.GradLastState[(long)row * p.StateSize + n];

        T* a = p.A + (long)d * np;
        long bcOffset = ((long)b * p.Groups + g) * length * np;
        T* bm = p.B + bcOffset, cm = p.C + bcOffset;
        T* checkpoints = o.Checkpoints + (long)row * p.Chunks * np;
        for (int c = p.Chunks - 1; c >= 0; c--)
        {
            int l0 = c * p.ChunkLength, l1 = Math.Min(length, l0 + p.ChunkLength);
            T* h0 = checkpoints + (long)c * np;
            RecomputeChunk(p.DecayA + (long)d * np, bm, cm, w, h0, l0, l1, np, z != null);
            // Rows past the end of a short last chunk feed SumRows: keep them at 0 so the padding of the row sums is 0.
            for (int r = l1 - l0; r < (l1 - l0 + lanes - 1) / lanes * lanes; r++) { S.Store(w.SumB + r * lanes, S.Zero); S.Store(w.SumA + r * lanes, S.Zero); }
            if (np == lanes) AdjointChunk1(a, bm, cm, dBPart, dCPart, w, h0, l0, l1);
            else AdjointChunkN(a, bm, cm, dBPart, dCPart, w, h0, l0, l1, np);
            for (int l = l0; l < l1; l += lanes)
            {
                S.SumRows(w.SumB + (l - l0) * lanes, w.SumBRow + l);
                S.SumRows(w.SumA + (l - l0) * lanes, w.SumARow + l);
            }
        }
        new ReadOnlySpan<T>(w.GradA, np).CopyTo(new Span<T>(o.GradAPartial + (long)row * np, np));
        FinishBackwardRow(p, o, d, rowOffset, w);
    }

    /// <summary>The adjoint through steps [l1−1 … l0] when the padded state is one vector: carry and dA stay in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void AdjointChunk1(T* a, T* bm, T* cm, T* dBPart, T* dCPart, RowBuffers w, T* h0, int l0, int l1)
    {
        int lanes = S.Lanes;
        TV carry = S.Load(w.Carry), gradA = S.Load(w.GradA), av = S.Load(a);
        for (int l = l1 - 1; l >= l0; l--)
        {
            long off = (long)l * lanes;
            int r = (l - l0) * lanes;
            TV gy = S.Splat(w.Gy[l]), decay = S.Load(w.Decays + r);
            TV dh = S.MulAdd(gy, S.Load(cm + off), carry);
            S.Store(dCPart + off, S.MulAdd(gy, S.Load(w.States + r), S.Load(dCPart + off)));
            S.Store(dBPart + off, S.MulAdd(dh, S.Splat(w.Dtu[l]), S.Load(dBPart + off)));
            S.Store(w.SumB + r, S.Mul(dh, S.Load(bm + off)));
            TV t = S.Mul(S.Mul(dh, S.Load(l == l0 ? h0 : w.States + r - lanes)), decay);
            S.Store(w.SumA + r, S.Mul(t, av));
            gradA = S.MulAdd(t, S.Splat(w.Dt[l]), gradA);
            carry = S.Mul(dh, decay);
        }
        S.Store(w.Carry, carry);
        S.Store(w.GradA, gradA);
    }

    /// <summary>The adjoint through steps [l1−1 … l0] for a state of several vectors (carry and dA in the row buffers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void AdjointChunkN(T* a, T* bm, T* cm, T* dBPart, T* dCPart, RowBuffers w, T* h0, int l0, int l1, int np)
    {
        int lanes = S.Lanes;
        for (int l = l1 - 1; l >= l0; l--)
        {
            TV gy = S.Splat(w.Gy[l]), dtv = S.Splat(w.Dt[l]), dtuv = S.Splat(w.Dtu[l]);
            T* hl = w.States + (long)(l - l0) * np, al = w.Decays + (long)(l - l0) * np;
            T* hPrev = l == l0 ? h0 : hl - np;
            T* bl = bm + (long)l * np, cl = cm + (long)l * np, dbl = dBPart + (long)l * np, dcl = dCPart + (long)l * np;
            TV sumB = S.Zero, sumA = S.Zero;
            for (int v = 0; v < np; v += lanes)
            {
                TV dh = S.MulAdd(gy, S.Load(cl + v), S.Load(w.Carry + v));
                S.Store(dcl + v, S.MulAdd(gy, S.Load(hl + v), S.Load(dcl + v)));
                S.Store(dbl + v, S.MulAdd(dh, dtuv, S.Load(dbl + v)));
                sumB = S.MulAdd(dh, S.Load(bl + v), sumB);
                TV av = S.Load(al + v);
                TV t = S.Mul(S.Mul(dh, S.Load(hPrev + v)), av);
                sumA = S.MulAdd(t, S.Load(a + v), sumA);
                S.Store(w.GradA + v, S.MulAdd(t, dtv, S.Load(w.GradA + v)));
                S.Store(w.Carry + v, S.Mul(dh, av));
            }
            S.Store(w.SumB + (l - l0) * lanes, sumB);
            S.Store(w.SumA + (l - l0) * lanes, sumA);
        }
    }

    /// <summary>States h_l and decays exp(δ_l·A) of steps [l0, l1) from the chunk's checkpoint; y_l too when z needs it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void RecomputeChunk(T* decayA, T* bm, T* cm, RowBuffers w, T* h0, int l0, int l1, int np, bool needY)
    {
        int lanes = S.Lanes;
        if (np == lanes && !needY)
        {
            // One-vector state without y: keep h in a register.
            TV av = S.Load(decayA), hv = S.Load(h0);
            for (int l = l0; l < l1; l++)
            {
                int r = (l - l0) * lanes;
                TV decay = S.DecayExp(S.Mul(S.Splat(w.Dt[l]), av));
                hv = S.MulAdd(decay, hv, S.Mul(S.Splat(w.Dtu[l]), S.Load(bm + (long)l * lanes)));
                S.Store(w.Decays + r, decay);
                S.Store(w.States + r, hv);
            }
            return;
        }
        T* hPrev = h0;
        for (int l = l0; l < l1; l++)
        {
            TV dtv = S.Splat(w.Dt[l]), dtuv = S.Splat(w.Dtu[l]), acc = S.Zero;
            T* hl = w.States + (long)(l - l0) * np, al = w.Decays + (long)(l - l0) * np;
            T* bl = bm + (long)l * np, cl = cm + (long)l * np;
            for (int v = 0; v < np; v += lanes)
            {
                TV av = S.DecayExp(S.Mul(dtv, S.Load(decayA + v)));
                TV hv = S.MulAdd(av, S.Load(hPrev + v), S.Mul(dtuv, S.Load(bl + v)));
                S.Store(al + v, av);
                S.Store(hl + v, hv);
                if (needY) acc = S.MulAdd(hv, S.Load(cl + v), acc);
            }
            if (needY) S.Store(w.Products + (l - l0) * lanes, acc);
            hPrev = hl;
        }
        if (needY)
            for (int l = l0; l < l1; l += lanes) S.SumRows(w.Products + (l - l0) * lanes, w.Y + l);
    }

    /// <summary>d(delta) through softplus, d(delta_bias), du += D·gy, dz = grad·(y + D·u)·SiLU'(z), for one row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void FinishBackwardRow(ScanProblem<T> p, ScanBackwardTargets<T> o, int d, long rowOffset, RowBuffers w)
    {
        int length = p.Length;
        T* u = p.U + rowOffset;
        TV dv = S.Splat(p.D == null ? T.Zero : p.D[d]), one = S.Splat(T.One), dBias = S.Zero;
        for (int i = 0; i < length; i += S.Lanes)
        {
            TV sumB = S.Load(w.SumBRow + i), uv = LoadRow(u, i, length, w.Stage);
            TV ddelta = S.MulAdd(sumB, uv, S.Load(w.SumARow + i));
            if (p.Softplus) ddelta = S.Mul(ddelta, S.Load(w.Dsp + i));
            StoreRow(o.GradDelta + rowOffset, i, length, ddelta, w.Stage);
            dBias = S.Add(dBias, ddelta);
            StoreRow(o.GradU + rowOffset, i, length, S.MulAdd(S.Load(w.Gy + i), dv, S.Mul(sumB, S.Load(w.Dt + i))), w.Stage);
            if (p.Z != null)
            {
                TV zv = LoadRow(p.Z + rowOffset, i, length, w.Stage), sg = S.Load(w.ZSigmoid + i);
                TV pre = S.MulAdd(dv, uv, S.Load(w.Y + i));
                TV siluPrime = S.Mul(sg, S.MulAdd(zv, S.Sub(one, sg), one));
                StoreRow(o.GradZ + rowOffset, i, length, S.Mul(S.Mul(LoadRow(o.GradOutput + rowOffset, i, length, w.Stage), pre), siluPrime), w.Stage);
            }
        }
        o.GradDeltaBiasPartial[rowOffset / length] = S.Sum(dBias);
    }
}
