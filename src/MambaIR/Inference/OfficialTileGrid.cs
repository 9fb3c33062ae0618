namespace MambaIR.Inference;

/// <summary>
/// The tile geometry of the official MambaIR test code for an h×w input (all values in input pixels):
/// n = ⌊len/200⌋+1 tiles per axis, padding so that n divides the padded length, tile size s = padded/n,
/// shave o = ⌊s/10⌋; tile i reads [i·s − (i&gt;0 ? o : 0), (i+1)·s + (i&lt;n−1 ? o : 0)) and keeps its block [i·s, (i+1)·s).
/// </summary>
public sealed record OfficialTileGrid(long Height, long Width, long PadBottom, long PadRight,
    IReadOnlyList<OfficialTileSpan> Rows, IReadOnlyList<OfficialTileSpan> Columns)
{
    /// <summary>Tile length the official code aims for: the number of tiles per axis is ⌊len/200⌋+1.</summary>
    public const long TargetTile = 200;

    public long PaddedHeight => Height + PadBottom;
    public long PaddedWidth => Width + PadRight;

    /// <summary>The grid for an input of <paramref name="height"/> × <paramref name="width"/> pixels.</summary>
    public static OfficialTileGrid For(long height, long width)
    {
        if (height < 1 || width < 1) throw new ArgumentException($"empty image ({height}×{width})");
        var (rows, padBottom) = Axis(height);
        var (cols, padRight) = Axis(width);
        return new OfficialTileGrid(height, width, padBottom, padRight, rows, cols);
    }

    static (OfficialTileSpan[] Spans, long Pad) Axis(long length)
    {
        long n = length / TargetTile + 1;
        long pad = length % n == 0 ? 0 : n - length % n;
        long size = (length + pad) / n, shave = size / 10;
        var spans = new OfficialTileSpan[n];
        for (long i = 0; i < n; i++)
        {
            long start = i * size - (i > 0 ? shave : 0);
            long end = (i + 1) * size + (i < n - 1 ? shave : 0);
            spans[i] = new OfficialTileSpan(start, end - start, i * size - start, i * size, size);
        }
        return (spans, pad);
    }
}

/// <summary>
/// One tile along one axis of <see cref="OfficialTileGrid"/>: the network reads [<paramref name="Start"/>, +<paramref name="Length"/>)
/// of the padded input; rows [<paramref name="KeepOffset"/>, +<paramref name="KeepLength"/>) of its output (times the scale)
/// become rows [<paramref name="KeepStart"/>, +<paramref name="KeepLength"/>) of the result.
/// </summary>
public readonly record struct OfficialTileSpan(long Start, long Length, long KeepOffset, long KeepStart, long KeepLength);
