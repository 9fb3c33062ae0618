using System.Runtime.CompilerServices;

namespace MambaIR.Ops.Cpu;

internal static unsafe partial class ScanKernel<T, TV, S>
{
    /// <summary>Rows per parallel task: enough tasks for load balance on a busy machine, few enough to keep overhead nil.</summary>
    static int RowsPerTask(int rows, int threads) => Math.Max(1, rows / Math.Max(1, threads * 8));

    /// <summary>
    /// Forward over all (b, d) rows. Per row: δ and δ·u over the whole row (vectorised), then for each step
    /// h = exp(δ·A)⊙h + δu·B_l and y_l = Σ h⊙C_l with h in registers, then out = (y + D·u)·SiLU(z).
    /// Writes the last state and, if asked, the state entering every chunk.
    /// </summary>
    public static void Forward(ScanProblem<T> p, ScanForwardTargets<T> o, int threads)
    {
        if (p.ChunkLength % S.Lanes != 0) throw new ArgumentException($"chunk length {p.ChunkLength} must be a multiple of {S.Lanes} lanes");
        int lp = PaddedLength(p.Length);
        int perTask = RowsPerTask(p.Rows, threads);
        int tasks = (p.Rows + perTask - 1) / perTask;
        int workspace = 3 * Workspace<T>.Size(lp) + Workspace<T>.Size(p.PaddedState) + Workspace<T>.Size(S.Lanes * S.Lanes) + Workspace<T>.Size(S.Lanes);
        ParallelOver(tasks, threads, workspace, (task, ws) =>
        {
            T* dt = ws.Take(lp), dtu = ws.Take(lp), y = ws.Take(lp), h = ws.Take(p.PaddedState), products = ws.Take(S.Lanes * S.Lanes), stage = ws.Take(S.Lanes);
            int end = Math.Min(p.Rows, (task + 1) * perTask);
            for (int row = task * perTask; row < end; row++) ForwardRow(p, o, row, dt, dtu, y, h, products, stage);
            ws.Reset();
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void ForwardRow(ScanProblem<T> p, ScanForwardTargets<T> o, int row, T* dt, T* dtu, T* y, T* h, T* products, T* stage)
    {
        int length = p.Length, np = p.PaddedState;
        int b = row / p.Channels, d = row % p.Channels, g = d / p.ChannelsPerGroup;
        long rowOffset = (long)row * length;
        PrepareDelta(p, d, rowOffset, dt, dtu, null, stage);

        T* a = p.DecayA + (long)d * np;
        long bcOffset = ((long)b * p.Groups + g) * length * np;
        T* bm = p.B + bcOffset, cm = p.C + bcOffset;
        T* checkpoints = o.Checkpoints == null ? null : o.Checkpoints + (long)row * p.Chunks * np;

        if (np == S.Lanes) Recur1(a, bm, cm, dt, dtu, y, h, products, length, p.ChunkLength, checkpoints);
        else RecurN(a, bm, cm, dt, dtu, y, h, products, length, np, p.ChunkLength, checkpoints);

        if (o.LastState != null)
            for (int n = 0; n < p.StateSize; n++) o.LastState[(long)row * p.StateSize + n] = h[n];
        FinishRow(p, d, rowOffset, y, o.Output + rowOffset, stage);
    }

    /// <summary>
    /// The recurrence when the padded state is one vector, kept in a register. Steps go in blocks of Lanes: each step
    /// stores h⊙C_l, and one <see cref="ISimd{TV,T}.SumRows"/> per block turns the Lanes products into Lanes outputs.
    /// In the last block, rows past the end hold stale products whose sums land in y's padding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Recur1(T* a, T* bm, T* cm, T* dt, T* dtu, T* y, T* hOut, T* products, int length, int chunk, T* checkpoints)
    {
        int lanes = S.Lanes;
        TV av = S.Load(a), hv = S.Zero;
        for (int l0 = 0; l0 < length; l0 += lanes)
        {
            if (checkpoints != null && l0 % chunk == 0) S.Store(checkpoints + (long)(l0 / chunk) * lanes, hv);
            int l1 = Math.Min(length, l0 + lanes);
            T* bl = bm + (long)l0 * lanes, cl = cm + (long)l0 * lanes, pr = products;
            for (int l = l0; l < l1; l++, bl += lanes, cl += lanes, pr += lanes)
            {
                TV decay = S.DecayExp(S.Mul(S.Splat(dt[l]), av));
                hv = S.MulAdd(decay, hv, S.Mul(S.Splat(dtu[l]), S.Load(bl)));
                S.Store(pr, S.Mul(hv, S.Load(cl)));
            }
            S.SumRows(products, y + l0);
        }
        S.Store(hOut, hv);
    }

    /// <summary>The recurrence for a state of several vectors, kept in <paramref name="h"/>; outputs as in <see cref="Recur1"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void RecurN(T* a, T* bm, T* cm, T* dt, T* dtu, T* y, T* h, T* products, int length, int np, int chunk, T* checkpoints)
    {
        int lanes = S.Lanes;
        for (int v = 0; v < np; v += lanes) S.Store(h + v, S.Zero);
        for (int l0 = 0; l0 < length; l0 += lanes)
        {
            if (checkpoints != null && l0 % chunk == 0) new ReadOnlySpan<T>(h, np).CopyTo(new Span<T>(checkpoints + (long)(l0 / chunk) * np, np));
            int l1 = Math.Min(length, l0 + lanes);
            T* pr = products;
            for (int l = l0; l < l1; l++, pr += lanes)
            {
                TV dtv = S.Splat(dt[l]), dtuv = S.Splat(dtu[l]), acc = S.Zero;
                T* bl = bm + (long)l * np, cl = cm + (long)l * np;
                for (int v = 0; v < np; v += lanes)
                {
                    TV hv = S.MulAdd(S.DecayExp(S.Mul(dtv, S.Load(a + v))), S.Load(h + v), S.Mul(dtuv, S.Load(bl + v)));
                    S.Store(h + v, hv);
                    acc = S.MulAdd(hv, S.Load(cl + v), acc);
                }
                S.Store(pr, acc);
            }
            S.SumRows(products, y + l0);
        }
    }

    /// <summary>out = (y + D·u), times SiLU(z) when z is given.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void FinishRow(ScanProblem<T> p, int d, long rowOffset, T* y, T* output, T* stage)
    {
        int length = p.Length;
        T* u = p.U + rowOffset;
        T* z = p.Z == null ? null : p.Z + rowOffset;
        TV dv = S.Splat(p.D == null ? T.Zero : p.D[d]);
        for (int i = 0; i < length; i += S.Lanes)
        {
            TV o = S.MulAdd(dv, LoadRow(u, i, length, stage), S.Load(y + i));
            if (z != null)
            {
                TV zv = LoadRow(z, i, length, stage);
                o = S.Mul(o, S.Mul(zv, VectorMath.Sigmoid<TV, T, S>(zv)));
            }
            StoreRow(output, i, length, o, stage);
        }
    }
}
