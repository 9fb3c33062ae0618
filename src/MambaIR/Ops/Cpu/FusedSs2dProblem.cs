namespace MambaIR.Ops.Cpu;

/// <summary>
/// One four-way scan as the fused kernel sees it (<see cref="FourWayScanInputs"/>): sizes, the channel blocks, and raw
/// pointers into contiguous CPU buffers owned by tensors that stay alive for the call. Per-channel weights are stored
/// transposed so one vector of a block's channels is contiguous, and padded with zeros to <see cref="PaddedChannels"/>.
/// </summary>
internal sealed unsafe class FusedSs2dProblem<T> where T : unmanaged
{
    public const int Directions = 4;

    public required int Batch { get; init; }
    public required int Height { get; init; }
    public required int Width { get; init; }
    /// <summary>D_i, the channels of x and y.</summary>
    public required int Channels { get; init; }
    /// <summary>Channels rounded up so that every block's vector loads of the per-channel weights stay inside them.</summary>
    public required int PaddedChannels { get; init; }
    public required int StateSize { get; init; }
    /// <summary>R, the rank of dt_proj.</summary>
    public required int Rank { get; init; }
    /// <summary>Steps between saved states (forward with grad, backward); also the tile the forward walks in.</summary>
    public required int ChunkLength { get; init; }
    /// <summary>The vector blocks the channels are cut into, in order.</summary>
    public required ChannelBlock[] Blocks { get; init; }

    /// <summary>x (B, L, D_i) in raster order.</summary>
    public required T* X { get; init; }
    /// <summary>
    /// x_proj outputs of the row-major directions 0 and 2, (2·(R + 2N), B·L): row (k/2)·(R + 2N) + q holds quantity q
    /// (dts 0…R−1, B R…R+N−1, C R+N…R+2N−1) of every pixel in raster order, batch after batch.
    /// </summary>
    public required T* ProjRow { get; init; }
    /// <summary>The same for the column-major directions 1 and 3, with each batch element's pixels in column-major order (w·H + h).</summary>
    public required T* ProjCol { get; init; }
    /// <summary>dt_projs_weight transposed: (4, R, Dp).</summary>
    public required T* DtWeight { get; init; }
    /// <summary>dt_projs_bias (4, Dp).</summary>
    public required T* DtBias { get; init; }
    /// <summary>A transposed (4, N, Dp), for the backward.</summary>
    public required T* A { get; init; }
    /// <summary>A·DecayScale transposed (4, N, Dp): the decay is DecayExp(δ·A′) (see <see cref="ISimd{TV,T}.DecayExp"/>).</summary>
    public required T* DecayA { get; init; }
    /// <summary>Ds (4, Dp).</summary>
    public required T* D { get; init; }

    public int Length => Height * Width;
    public int Chunks => (Length + ChunkLength - 1) / ChunkLength;
    /// <summary>Elements of one direction's x_proj output per pixel: R + 2N.</summary>
    public int ProjPerDirection => Rank + 2 * StateSize;
    /// <summary>Elements between two rows of <see cref="ProjRow"/> / <see cref="ProjCol"/>: B·L.</summary>
    public long ProjRowStride => (long)Batch * Length;

    /// <summary>Direction <paramref name="k"/>'s quantity 0 of batch element <paramref name="b"/> at its layout's position 0; quantity q
    /// of step l is at [q·<see cref="ProjRowStride"/> + <see cref="ProjPosition"/>(k, l)].</summary>
    public T* ProjBase(int b, int k) => ((k & 1) == 0 ? ProjRow : ProjCol) + (k >> 1) * ProjPerDirection * ProjRowStride + (long)b * Length;

    /// <summary>Where step <paramref name="l"/> of direction <paramref name="k"/> is in its x_proj layout (raster or column-major): l, or reversed.</summary>
    public int ProjPosition(int k, int l) => k < 2 ? l : Length - 1 - l;

    /// <summary>
    /// The pixel (raster index) that step <paramref name="l"/> of direction <paramref name="k"/> reads: 0 row-major, 1 column-major,
    /// 2 and 3 the same reversed.
    /// </summary>
    public int Pixel(int k, int l)
    {
        if (k >= 2) l = Length - 1 - l;
        return (k & 1) == 0 ? l : l % Height * Width + l / Height;
    }

    /// <summary>The pixels of steps [l0, l0 + count) of direction <paramref name="k"/>.</summary>
    public void Pixels(int k, int l0, int count, int* dst)
    {
        int length = Length, h = Height, w = Width;
        if ((k & 1) == 0)
        {
            if (k == 0) for (int i = 0; i < count; i++) dst[i] = l0 + i;
            else for (int i = 0; i < count; i++) dst[i] = length - 1 - l0 - i;
            return;
        }
        // Column-major: walk (row, column) incrementally, forwards or backwards.
        int l = k == 1 ? l0 : length - 1 - l0;
        int row = l % h, col = l / h;
        if (k == 1)
            for (int i = 0; i < count; i++) { dst[i] = row * w + col; if (++row == h) { row = 0; col++; } }
        else
            for (int i = 0; i < count; i++) { dst[i] = row * w + col; if (--row < 0) { row = h - 1; col--; } }
    }
}

/// <summary>Channels [<see cref="Start"/>, Start + <see cref="Count"/>) processed as one vector of <see cref="Lanes"/> lanes
/// (<see cref="Count"/> &lt; Lanes only for a last, partial block).</summary>
internal readonly record struct ChannelBlock(int Start, int Count, int Lanes);
