using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MambaIR.Ops.Cpu;

/// <summary>
/// The fused SS2D scan on the CPU (<see cref="FourWayScanInputs"/>), vectorised over channels: a block of one vector's
/// channels keeps its N state vectors and walks each direction's steps, reading u = x[P_k(l)] and the x_proj outputs of
/// pixel P_k(l) by index arithmetic from the raster-order tensors, computing δ = softplus(dt_proj·dts + bias) on the fly
/// (so δ is never stored), and adding D·u + Σₙ h⊙C into y[P_k(l)] — y is raster order and the four directions accumulate
/// into it directly. No (B, 4, D, L) tensor exists.
/// <para>Work items are (batch, group of consecutive channel blocks); an item owns its channels of y, so the directions'
/// sums are race-free. Steps go in tiles of <see cref="FusedSs2dProblem{T}.ChunkLength"/>: the tile's pixel indices are
/// computed once and the group's blocks all walk the tile while its rows of x, y and x_proj are in cache.</para>
/// <para>This part is the driver; <see cref="FusedSs2dBlock{T,TV,S}"/> holds the per-block loops for each vector width.</para>
/// </summary>
internal static unsafe partial class FusedSs2dKernel<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Items per batch element: two per thread for balance (each gathers its tiles' x_proj rows itself, so not more),
    /// never more than the blocks.</summary>
    static int GroupsPerBatch(FusedSs2dProblem<T> p, int threads) =>
        Math.Clamp((2 * threads + p.Batch - 1) / p.Batch, 1, p.Blocks.Length);


    static int MaxLanes(FusedSs2dProblem<T> p) => p.Blocks.Max(b => b.Lanes);

    /// <summary>All four directions, for <see cref="Forward"/>.</summary>
    public const int AllDirections = 0b1111;

    /// <summary>
    /// Forward of the directions in <paramref name="directions"/> (bit k: direction k): their outputs summed into y (B, L, D_i),
    /// added to what y holds when <paramref name="accumulate"/>, else replacing it; and, when <paramref name="checkpoints"/>
    /// is not null, the state entering every chunk of every direction run, (B, 4, chunks, N, Dp).
    /// </summary>
    public static void Forward(FusedSs2dProblem<T> p, T* y, T* checkpoints, int threads, int directions = AllDirections, bool accumulate = false)
    {
        int firstDirection = System.Numerics.BitOperations.TrailingZeroCount(directions);
        int groups = GroupsPerBatch(p, threads), blocks = p.Blocks.Length, n = p.StateSize, r = p.Rank, chunk = p.ChunkLength;
        int maxLanes = MaxLanes(p), perGroup = (blocks + groups - 1) / groups;
        int workspace = Workspace<T>.Size(perGroup * n * maxLanes) + FusedSs2dTile<T>.Size(chunk, n, r) + FusedSs2dStepBuffers<T>.Size(chunk, maxLanes)
            + 2 * Workspace<T>.Size(chunk * sizeof(int) / sizeof(T) + 1) + Workspace<T>.Size(maxLanes);
        const int K = FusedSs2dProblem<T>.Directions;
        CpuParallel.For<T>(p.Batch * groups, threads, workspace, (item, ws) =>
        {
            int b = item / groups, g = item % groups;
            int first = g * blocks / groups, end = (g + 1) * blocks / groups;
            T* states = ws.Take(perGroup * n * maxLanes);
            var tile = new FusedSs2dTile<T>(ws, chunk, n, r);
            var steps = new FusedSs2dStepBuffers<T>(ws, chunk, maxLanes);
            int* pixels = (int*)ws.Take(chunk * sizeof(int) / sizeof(T) + 1), next = (int*)ws.Take(chunk * sizeof(int) / sizeof(T) + 1);
            T* stage = ws.Take(maxLanes);
            int c0 = p.Blocks[first].Start, c1 = p.Blocks[end - 1].Start + p.Blocks[end - 1].Count;
            for (int k = 0; k < K; k++)
            {
                if ((directions >> k & 1) == 0) continue;
                bool add = accumulate || k > firstDirection;
                new Span<T>(states, perGroup * n * maxLanes).Clear();
                p.Pixels(k, 0, Math.Min(chunk, p.Length), pixels);
                for (int l0 = 0, c = 0; l0 < p.Length; l0 += chunk, c++)
                {
                    int count = Math.Min(chunk, p.Length - l0);
                    // The next tile's rows of x and y, into L2 while this tile computes: the column-major directions jump a
                    // whole image row per step, which the hardware prefetchers do not follow.
                    if (l0 + chunk < p.Length)
                    {
                        int nextCount = Math.Min(chunk, p.Length - l0 - chunk);
                        p.Pixels(k, l0 + chunk, nextCount, next);
                        Prefetch(p, b, next, nextCount, c0, c1, p.X, y);
                    }
                    tile.Gather(p, b, k, l0, count, pixels);
                    for (int i = first; i < end; i++)
                    {
                        var blk = p.Blocks[i];
                        // The next block's rows of x and y, from L2 into L1 while this block computes: the step loop's
                        // loads of u and of the outputs stalled on them (half of that loop's samples in a profile).
                        if (i + 1 < end) Prefetch(p, b, pixels, count, p.Blocks[i + 1].Start, p.Blocks[i + 1].Start + p.Blocks[i + 1].Count, p.X, y, intoL1: true);
                        T* h = states + (i - first) * n * maxLanes;
                        T* ckpt = checkpoints == null ? null : checkpoints + ((long)(b * K + k) * p.Chunks + c) * n * p.PaddedChannels + blk.Start;
                        switch (blk.Lanes * sizeof(T) * 8)
                        {
                            case 512: FusedSs2dBlock<T, Vector512<T>, Simd512<T>>.Forward(p, b, k, blk, pixels, count, tile, h, y, add, ckpt, steps, stage); break;
                            case 256: FusedSs2dBlock<T, Vector256<T>, Simd256<T>>.Forward(p, b, k, blk, pixels, count, tile, h, y, add, ckpt, steps, stage); break;
                            default: FusedSs2dBlock<T, Vector128<T>, Simd128<T>>.Forward(p, b, k, blk, pixels, count, tile, h, y, add, ckpt, steps, stage); break;
                        }
                    }
                    var swap = pixels; pixels = next; next = swap;
                }
            }
        });
    }

    /// <summary>Asks for channels [<paramref name="c0"/>, <paramref name="c1"/>) of <paramref name="pixels"/> in x and, when given,
    /// <paramref name="y"/>, to be brought into L2, or into L1 with <paramref name="intoL1"/>.</summary>
    internal static void Prefetch(FusedSs2dProblem<T> p, int b, int* pixels, int count, int c0, int c1, T* x, T* y, bool intoL1 = false)
    {
        if (!Sse.IsSupported) return;
        long batchPixels = (long)b * p.Length;
        byte* xb = (byte*)(x + batchPixels * p.Channels + c0), yb = y == null ? null : (byte*)(y + batchPixels * p.Channels + c0);
        int rowBytes = p.Channels * sizeof(T), sliceBytes = (c1 - c0) * sizeof(T);
        for (int i = 0; i < count; i++)
        {
            long offset = (long)pixels[i] * rowBytes;
            Slice(xb + offset, sliceBytes, intoL1);
            if (yb != null) Slice(yb + offset, sliceBytes, intoL1);
        }
    }

    /// <summary>Every line of <paramref name="bytes"/> bytes from <paramref name="start"/> (a slice need not start on a line).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Slice(byte* start, int bytes, bool intoL1)
    {
        if (intoL1)
        {
            for (int o = 0; o < bytes; o += 64) Sse.Prefetch0(start + o);
            Sse.Prefetch0(start + bytes - 1);
        }
        else
        {
            for (int o = 0; o < bytes; o += 64) Sse.Prefetch1(start + o);
            Sse.Prefetch1(start + bytes - 1);
        }
    }

    /// <summary>
    /// The channel blocks for <paramref name="channels"/> channels with vectors of at most <paramref name="maxBits"/> bits:
    /// widest vectors first, then narrower ones for the rest; a last remainder smaller than the narrowest vector is one
    /// partial block of it.
    /// </summary>
    public static ChannelBlock[] BlocksFor(int channels, int maxBits)
    {
        var widths = CpuScanRunner.HardwareVectorBits.Where(b => b <= maxBits).DefaultIfEmpty(128).Select(b => b / 8 / sizeof(T)).ToArray();
        var list = new List<ChannelBlock>();
        int c = 0;
        while (c < channels)
        {
            int rest = channels - c;
            int lanes = widths.FirstOrDefault(w => w <= rest, 0);
            if (lanes == 0) { list.Add(new ChannelBlock(c, rest, widths[^1])); break; }
            list.Add(new ChannelBlock(c, lanes, lanes));
            c += lanes;
        }
        return list.ToArray();
    }
}
