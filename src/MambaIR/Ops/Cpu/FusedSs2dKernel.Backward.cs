using System.Runtime.Intrinsics;

namespace MambaIR.Ops.Cpu;

internal static unsafe partial class FusedSs2dKernel<T>
{
    /// <summary>Work items per batch element for the backward: each holds a partial of x_proj's gradient, so fewer than the forward.</summary>
    public static int BackwardGroupsPerBatch(FusedSs2dProblem<T> p, int threads) =>
        Math.Clamp((2 * threads + p.Batch - 1) / p.Batch, 1, p.Blocks.Length);

    /// <summary>
    /// Reverse-mode through the four-way scan. Work items are (batch, group of consecutive channel blocks), as in the
    /// forward. Per direction, the chunks are visited last to first; each block of the group recomputes the chunk from its
    /// checkpoint and runs the adjoint through it (<see cref="FusedSs2dBlock{T,TV,S}.Backward"/>), adding its per-step
    /// contributions to the sums over channels (d(dts), dB, dC) as vectors into one accumulator; after the group's blocks
    /// the accumulator's lanes are summed once and written to the item's rows of x_proj's gradient partial.
    /// </summary>
    public static void Backward(FusedSs2dProblem<T> p, FusedSs2dBackwardTargets<T> o, int threads)
    {
        int groups = o.Groups, blocks = p.Blocks.Length, n = p.StateSize, r = p.Rank, chunk = p.ChunkLength, dp = p.PaddedChannels;
        int maxLanes = MaxLanes(p), perGroup = (blocks + groups - 1) / groups, perStep = r + 2 * n;
        int workspace = FusedSs2dChunkBuffers<T>.Size(chunk, n, maxLanes) + Workspace<T>.Size(chunk * perStep * maxLanes)
            + Workspace<T>.Size(perGroup * FusedSs2dBlockState<T>.Size(n, r, maxLanes)) + Workspace<T>.Size(n * maxLanes)
            + Workspace<T>.Size(chunk * perStep) + FusedSs2dTile<T>.Size(chunk, n, r) + Workspace<T>.Size(chunk * sizeof(int) / sizeof(T) + 1) + Workspace<T>.Size(maxLanes);
        const int K = FusedSs2dProblem<T>.Directions;
        CpuParallel.For<T>(p.Batch * groups, threads, workspace, (item, ws) =>
        {
            int b = item / groups, g = item % groups;
            int first = g * blocks / groups, end = (g + 1) * blocks / groups;
            var buffers = new FusedSs2dChunkBuffers<T>(ws, chunk, n, maxLanes);
            T* acc = ws.Take(chunk * perStep * maxLanes);
            int stateSize = FusedSs2dBlockState<T>.Size(n, r, maxLanes);
            T* states = ws.Take(perGroup * stateSize), h0 = ws.Take(n * maxLanes), sums = ws.Take(chunk * perStep);
            var tile = new FusedSs2dTile<T>(ws, chunk, n, r);
            int* pixels = (int*)ws.Take(chunk * sizeof(int) / sizeof(T) + 1);
            T* stage = ws.Take(maxLanes);
            long partialOffset = (long)g * 2 * perStep * p.ProjRowStride + (long)b * p.Length;
            for (int k = 0; k < K; k++)
            {
                new Span<T>(states, perGroup * stateSize).Clear();
                for (int c = p.Chunks - 1; c >= 0; c--)
                {
                    int l0 = c * chunk, count = Math.Min(chunk, p.Length - l0);
                    p.Pixels(k, l0, count, pixels);
                    tile.Gather(p, b, k, l0, count, pixels);
                    new Span<T>(acc, count * perStep * maxLanes).Clear();
                    for (int i = first; i < end; i++)
                    {
                        var blk = p.Blocks[i];
                        T* ckpt = o.Checkpoints + (((long)(b * K + k) * p.Chunks + c) * n) * dp + blk.Start;
                        new Span<T>(h0, n * blk.Lanes).Clear();
                        for (int j = 0; j < n; j++)
                            new ReadOnlySpan<T>(ckpt + (long)j * dp, blk.Count).CopyTo(new Span<T>(h0 + j * blk.Lanes, blk.Count));
                        var st = new FusedSs2dBlockState<T>(states + (i - first) * stateSize, n, r, blk.Lanes);
                        switch (blk.Lanes * sizeof(T) * 8)
                        {
                            case 512: FusedSs2dBlock<T, Vector512<T>, Simd512<T>>.Backward(p, o, b, k, blk, pixels, count, tile, h0, st, buffers, acc, maxLanes, k > 0, stage); break;
                            case 256: FusedSs2dBlock<T, Vector256<T>, Simd256<T>>.Backward(p, o, b, k, blk, pixels, count, tile, h0, st, buffers, acc, maxLanes, k > 0, stage); break;
                            default: FusedSs2dBlock<T, Vector128<T>, Simd128<T>>.Backward(p, o, b, k, blk, pixels, count, tile, h0, st, buffers, acc, maxLanes, k > 0, stage); break;
                        }
                    }
                    switch (maxLanes * sizeof(T) * 8)
                    {
                        case 512: FusedSs2dBlock<T, Vector512<T>, Simd512<T>>.SumVectors(acc, count * perStep, sums); break;
                        case 256: FusedSs2dBlock<T, Vector256<T>, Simd256<T>>.SumVectors(acc, count * perStep, sums); break;
                        default: FusedSs2dBlock<T, Vector128<T>, Simd128<T>>.SumVectors(acc, count * perStep, sums); break;
                    }
                    T* partial = ((k & 1) == 0 ? o.GradProjRowPartial : o.GradProjColPartial) + partialOffset + (long)(k >> 1) * perStep * p.ProjRowStride;
                    for (int q = 0; q < perStep; q++)
                    {
                        T* dst = partial + q * p.ProjRowStride;
                        for (int i = 0; i < count; i++) dst[(k & 1) == 1 ? pixels[i] : p.ProjPosition(k, l0 + i)] = sums[i * perStep + q];
                    }
                }
                for (int i = first; i < end; i++)
                {
                    var blk = p.Blocks[i];
                    var st = new FusedSs2dBlockState<T>(states + (i - first) * stateSize, n, r, blk.Lanes);
                    void Put(T* src, T* dst) => new ReadOnlySpan<T>(src, blk.Count).CopyTo(new Span<T>(dst + blk.Start, blk.Count));
                    long bk = b * K + k;
                    for (int j = 0; j < n; j++) Put(st.GradA + j * blk.Lanes, o.GradA + (bk * n + j) * dp);
                    for (int q = 0; q < r; q++) Put(st.DtWeight + q * blk.Lanes, o.GradDtWeight + (bk * r + q) * dp);
                    Put(st.DtBias, o.GradDtBias + bk * dp);
                    Put(st.D, o.GradD + bk * dp);
                }
            }
        });
    }
}
