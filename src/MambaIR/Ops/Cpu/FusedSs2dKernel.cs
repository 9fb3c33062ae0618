using System.Numerics;
using System.Runtime.Intrinsics;

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
    /// <summary>Items per batch element: enough for the threads to balance, never more than the blocks.</summary>
    static int GroupsPerBatch(FusedSs2dProblem<T> p, int threads) =>
        Math.Clamp((4 * threads + p.Batch - 1) / p.Batch, 1, p.Blocks.Length);

    static int MaxLanes(FusedSs2dProblem<T> p) => p.Blocks.Max(b => b.Lanes);

    /// <summary>
    /// Forward: writes y (B, L, D_i) and, when <paramref name="checkpoints"/> is not null, the state entering every chunk of
    /// every direction, (B, 4, chunks, N, Dp).
    /// </summary>
    public static void Forward(FusedSs2dProblem<T> p, T* y, T* checkpoints, int threads)
    {
        int groups = GroupsPerBatch(p, threads), blocks = p.Blocks.Length, n = p.StateSize, chunk = p.ChunkLength;
        int maxLanes = MaxLanes(p), perGroup = (blocks + groups - 1) / groups;
        int workspace = Workspace<T>.Size(perGroup * n * maxLanes) + Workspace<T>.Size(chunk * sizeof(int) / sizeof(T) + 1) + Workspace<T>.Size(maxLanes);
        CpuParallel.For<T>(p.Batch * groups, threads, workspace, (item, ws) =>
        {
            int b = item / groups, g = item % groups;
            int first = g * blocks / groups, end = (g + 1) * blocks / groups;
            T* states = ws.Take(perGroup * n * maxLanes);
            int* pixels = (int*)ws.Take(chunk * sizeof(int) / sizeof(T) + 1);
            T* stage = ws.Take(maxLanes);
            for (int k = 0; k < FusedSs2dProblem<T>.Directions; k++)
            {
                new Span<T>(states, perGroup * n * maxLanes).Clear();
                for (int l0 = 0, c = 0; l0 < p.Length; l0 += chunk, c++)
                {
                    int count = Math.Min(chunk, p.Length - l0);
                    p.Pixels(k, l0, count, pixels);
                    for (int i = first; i < end; i++)
                    {
                        var blk = p.Blocks[i];
                        T* h = states + (i - first) * n * maxLanes;
                        if (checkpoints != null)
                        {
                            T* dst = checkpoints + (((long)(b * FusedSs2dProblem<T>.Directions + k) * p.Chunks + c) * n) * p.PaddedChannels + blk.Start;
                            for (int j = 0; j < n; j++)
                                new ReadOnlySpan<T>(h + j * blk.Lanes, blk.Count).CopyTo(new Span<T>(dst + (long)j * p.PaddedChannels, blk.Count));
                        }
                        switch (blk.Lanes * sizeof(T) * 8)
                        {
                            case 512: FusedSs2dBlock<T, Vector512<T>, Simd512<T>>.Forward(p, b, k, blk, pixels, count, h, y, k > 0, stage); break;
                            case 256: FusedSs2dBlock<T, Vector256<T>, Simd256<T>>.Forward(p, b, k, blk, pixels, count, h, y, k > 0, stage); break;
                            default: FusedSs2dBlock<T, Vector128<T>, Simd128<T>>.Forward(p, b, k, blk, pixels, count, h, y, k > 0, stage); break;
                        }
                    }
                }
            }
        });
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
