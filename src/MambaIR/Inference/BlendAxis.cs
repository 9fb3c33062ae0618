namespace MambaIR.Inference;

/// <summary>
/// How <see cref="BlendedTiling"/> cuts one axis: into as few tiles of at most <c>tile</c> pixels as possible such that
/// neighbours share exactly <c>overlap</c> pixels, with the tiles spread evenly. Over each shared band the output is
/// cross-faded with a raised-cosine ramp; elsewhere exactly one tile contributes. Because no pixel lies in two bands,
/// the two weights at any pixel are w and 1−w, so the weights sum to one everywhere.
/// </summary>
public static class BlendAxis
{
    /// <summary>The tiles covering [0, <paramref name="length"/>): a single tile when it fits, else evenly spread tiles whose neighbours overlap by exactly <paramref name="overlap"/>.</summary>
    public static IReadOnlyList<AxisSpan> Split(long length, int tile, int overlap)
    {
        Validate(tile, overlap);
        if (length < 1) throw new ArgumentException($"cannot tile an empty axis (length {length})");
        if (length <= tile) return new[] { new AxisSpan(0, length) };
        long count = (length - overlap + (tile - overlap) - 1) / (tile - overlap); // ⌈(n−o)/(t−o)⌉
        var starts = new long[count + 1];
        for (long i = 0; i <= count; i++) starts[i] = i * (length - overlap) / count;
        var spans = new AxisSpan[count];
        for (long i = 0; i < count; i++)
            spans[i] = new AxisSpan(starts[i], (i < count - 1 ? starts[i + 1] + overlap : length) - starts[i]);
        return spans;
    }

    /// <summary>
    /// Weight of the later tile at each of the <paramref name="band"/> output pixels where two tiles overlap:
    /// 0.5 − 0.5·cos(π·(p + ½)/band), rising from near 0 to near 1; the earlier tile gets one minus this.
    /// </summary>
    public static double[] Ramp(long band)
    {
        var w = new double[band];
        for (long p = 0; p < band; p++) w[p] = 0.5 - 0.5 * Math.Cos(Math.PI * (p + 0.5) / band);
        return w;
    }

    /// <summary>
    /// The blend weight of every tile at every output pixel of an axis of <paramref name="length"/> input pixels
    /// (upscaled by <paramref name="scale"/>): element [k][x] is tile k's weight at output pixel x (0 outside the tile).
    /// Multiplying the row and column weights gives the 2-D weights <see cref="BlendedTiling"/> merges with.
    /// </summary>
    public static double[][] Weights(long length, int tile, int overlap, int scale)
    {
        var spans = Split(length, tile, overlap);
        var ramp = Ramp((long)overlap * scale);
        var weights = new double[spans.Count][];
        for (int k = 0; k < spans.Count; k++)
        {
            var w = weights[k] = new double[length * scale];
            for (long x = spans[k].Start * scale; x < spans[k].End * scale; x++) w[x] = 1;
            if (k > 0)
                for (long p = 0; p < ramp.Length; p++) w[spans[k].Start * scale + p] = ramp[p];
            if (k < spans.Count - 1)
                for (long p = 0; p < ramp.Length; p++) w[spans[k + 1].Start * scale + p] = 1 - ramp[p];
        }
        return weights;
    }

    /// <summary>Throws unless 0 ≤ overlap and 3·overlap + 2 ≤ tile (which keeps the blend bands of one tile apart).</summary>
    public static void Validate(int tile, int overlap)
    {
        if (tile < 2) throw new ArgumentOutOfRangeException(nameof(tile), tile, $"tile size {tile} is too small; use at least 2 (typically 128–512)");
        if (overlap < 0) throw new ArgumentOutOfRangeException(nameof(overlap), overlap, "tile overlap must not be negative");
        if (3L * overlap + 2 > tile)
            throw new ArgumentOutOfRangeException(nameof(overlap), overlap,
                $"tile overlap {overlap} is too large for tile size {tile}; use at most {(tile - 2) / 3} (a third of the tile, less 2)");
    }
}

/// <summary>A tile along one axis: input pixels [<paramref name="Start"/>, <paramref name="Start"/> + <paramref name="Length"/>).</summary>
public readonly record struct AxisSpan(long Start, long Length)
{
    public long End => Start + Length;
}
