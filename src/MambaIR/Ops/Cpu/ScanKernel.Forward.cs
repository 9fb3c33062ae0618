using System.Runtime.CompilerServices;

namespace MambaIR.Ops.Cpu;

internal static unsafe partial class ScanKernel<T, TV, S>
{
    /// <summary>Rows per parallel task: enough tasks for load balance on a busy machine, few enough to keep overhead nil.</summary>
    static int RowsPerTask(int rows, int threads) => Math.Max(1, rows / Math.Max(1, threads * 8));

    /// <summary>Steps per tile: B and C of one tile (2·512·Np values, 64 KB at N = 16 float) stay in cache across the rows of a task.</summary>
    const int TileLength = 512;

    /// <summary>
    /// Forward over all (b, d) rows. Each task takes a range of rows and walks the sequence in tiles of
    /// <see cref="TileLength"/> steps; for each tile, each row: δ and δ·u (vectorised), then for each step
    /// h = exp(δ·A)⊙h + δu·B_l and y_l = Σ h⊙C_l with h in registers, then out = (y + D·u)·SiLU(z). Tiling makes the rows
    /// of a task reuse the tile of B and C from cache instead of streaming the whole (L, Np) B and C per row, which for
    /// large images (L·Np·8 bytes per group well beyond L2) would make the scan memory-bound.
    /// Writes the last state and, if asked, the state entering every chunk.
    /// </summary>
    public static void Forward(ScanProblem<T> p, ScanForwardTargets<T> o, int threads)
    {
        if (p.ChunkLength % S.Lanes != 0 || TileLength % p.ChunkLength != 0)
            throw new ArgumentException($"chunk length {p.ChunkLength} must be a multiple of {S.Lanes} lanes and divide {TileLength}");
        int np = p.PaddedState, tile = Math.Min(TileLength, PaddedLength(p.Length));
        int perTask = RowsPerTask(p.Rows, threads);
        int tasks = (p.Rows + perTask - 1) / perTask;
        int workspace = 3 * Workspace<T>.Size(tile) + Workspace<T>.Size(perTask * np) + Workspace<T>.Size(S.Lanes * S.Lanes) + Workspace<T>.Size(S.Lanes);
        ParallelOver(tasks, threads, workspace, (task, ws) =>
        {
            T* dt = ws.Take(tile), dtu = ws.Take(tile), y = ws.Take(tile), states = ws.Take(perTask * np),
                products = ws.Take(S.Lanes * S.Lanes), stage = ws.Take(S.Lanes);
            int first = task * perTask, end = Math.Min(p.Rows, first + perTask);
            new Span<T>(states, perTask * np).Clear();
            for (int t0 = 0; t0 < p.Length; t0 += tile)
                for (int row = first; row < end; row++)
                    ForwardTile(p, o, row, t0, Math.Min(p.Length, t0 + tile), dt, dtu, y, states + (row - first) * np, products, stage);
            if (o.LastState != null)
                for (int row = first; row < end; row++)
                    new ReadOnlySpan<T>(states + (row - first) * np, p.StateSize).CopyTo(new Span<T>(o.LastState + (long)row * p.StateSize, p.StateSize));
            ws.Reset();
        });
    }

    /// <summary>Steps [t0, t1) of one row, continuing from and updating its state <paramref name="h"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void ForwardTile(ScanProblem<T> p, ScanForwardTargets<T> o, int row, int t0, int t1, T* dt, T* dtu, T* y, T* h, T* products, T* stage)
    {
        int length = p.Length, np = p.PaddedState, count = t1 - t0;
        int b = row / p.Channels, d = row % p.Channels, g = d / p.ChannelsPerGroup;
        long offset = (long)row * length + t0;
        PrepareDelta(p, d, offset, count, dt, dtu, null, stage);

        T* a = p.DecayA + (long)d * np;
        long bcOffset = (((long)b * p.Groups + g) * length + t0) * np;
        T* bm = p.B + bcOffset, cm = p.C + bcOffset;
        T* checkpoints = o.Checkpoints == null ? null : o.Checkpoints + ((long)row * p.Chunks + t0 / p.ChunkLength) * np;

        if (np == S.Lanes) Recur1(a, bm, cm, dt, dtu, y, h, products, count, p.ChunkLength, checkpoints);
        else RecurN(a, bm, cm, dt, dtu, y, h, products, count, np, p.ChunkLength, checkpoints);
        FinishRow(p, d, offset, count, y, o.Output + offset, stage);
    }

    /// <summary>
    /// The recurrence when the padded state is one vector, kept in a register. Steps go in blocks of Lanes: each step
    /// stores h⊙C_l, and one <see cref="ISimd{TV,T}.SumRows"/> per block turns the Lanes products into Lanes outputs.
    /// In the last block, rows past the end hold stale products whose sums land in y's padding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Recur1(T* a, T* bm, T* cm, T* dt, T* dtu, T* y, T* h, T* products, int length, int chunk, T* checkpoints)
    {
        int lanes = S.Lanes;
        TV av = S.Load(a), hv = S.Load(h);
        for (int l0 = 0; l0 < length; l0 += lanes)
        {
            if (checkpoints != null && l0 % chunk == 0) S.Store(checkpoints + (long)(l0 / chunk) * lanes, hv);
            hv = Recur1Block(av, hv, bm + (long)l0 * lanes, cm + (long)l0 * lanes, dt + l0, dtu + l0, products, Math.Min(lanes, length - l0));
            S.SumRows(products, y + l0);
        }
        S.Store(h, hv);
    }

    /// <summary>
    /// Up to Lanes steps of <see cref="Recur1"/>. A separate, never-inlined method: with the row sums in the same loop
    /// nest the JIT keeps h in memory and reloads it every step, which puts a store-to-load forward on the recurrence.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static TV Recur1Block(TV av, TV hv, T* bl, T* cl, T* dt, T* dtu, T* products, int count)
    {
        int lanes = S.Lanes;
        for (int l = 0; l < count; l++, bl += lanes, cl += lanes, products += lanes)
        {
            TV decay = S.DecayExp(S.Mul(S.Splat(dt[l]), av));
            hv = S.MulAdd(decay, hv, S.Mul(S.Splat(dtu[l]), S.Load(bl)));
            S.Store(products, S.Mul(hv, S.Load(cl)));
        }
        return hv;
    }

    /// <summary>The recurrence for a state of several vectors, kept in <paramref name="h"/>; outputs as in <see cref="Recur1"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void RecurN(T* a, T* bm, T* cm, T* dt, T* dtu, T* y, T* h, T* products, int length, int np, int chunk, T* checkpoints)
    {
        int lanes = S.Lanes;
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
    static void FinishRow(ScanProblem<T> p, int d, long offset, int length, T* y, T* output, T* stage)
    {
        T* u = p.U + offset;
        T* z = p.Z == null ? null : p.Z + offset;
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
