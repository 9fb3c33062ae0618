using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Inference;

/// <summary>
/// Seam-free tiling: tiles of at most <see cref="TileSize"/>² input pixels whose neighbours overlap by
/// <see cref="Overlap"/> pixels (see <see cref="BlendAxis"/>); overlapping outputs are cross-faded with raised-cosine
/// weights that sum to one. The cross-fade is a linear interpolation a + w·(b − a), so where neighbouring tiles agree
/// (for a network without spatial context) the result is bit-identical to running the whole image.
/// Memory: one tile through the network, plus one output strip (tile height × full width) and the output.
/// </summary>
public sealed class BlendedTiling : ITileStrategy
{
    /// <summary>Overlap used when none is given: an eighth of the tile, at most 32 pixels.</summary>
    public static int DefaultOverlap(int tileSize) => Math.Min(32, Math.Max(0, tileSize / 8));

    /// <param name="tileSize">Largest tile side fed to the network, in input pixels.</param>
    /// <param name="overlap">Pixels shared by neighbouring tiles (the width of the cross-fade); at most (tileSize − 2)/3.</param>
    public BlendedTiling(int tileSize, int? overlap = null)
    {
        TileSize = tileSize;
        Overlap = overlap ?? DefaultOverlap(tileSize);
        BlendAxis.Validate(TileSize, Overlap);
    }

    public int TileSize { get; }
    public int Overlap { get; }

    public string Description => $"blended {TileSize} px tiles, {Overlap} px overlap";

    public int TileCount(long height, long width) =>
        BlendAxis.Split(height, TileSize, Overlap).Count * BlendAxis.Split(width, TileSize, Overlap).Count;

    public Tensor Run(Tensor input, Func<Tensor, Tensor> network, int scale, IProgress<TileProgress>? progress = null, CancellationToken cancel = default)
    {
        TileOutput.ValidateInput(input, scale);
        long n = input.shape[0], h = input.shape[2], w = input.shape[3];
        var rows = BlendAxis.Split(h, TileSize, Overlap);
        var cols = BlendAxis.Split(w, TileSize, Overlap);
        int total = rows.Count * cols.Count, done = 0;
        long band = (long)Overlap * scale;

        using var scope = NewDisposeScope();
        var rampValues = BlendAxis.Ramp(band);
        Tensor? result = null, rampRows = null, rampCols = null;
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            Tensor? strip = null;
            using (var stripScope = NewDisposeScope())
            {
                for (int j = 0; j < cols.Count; j++)
                {
                    cancel.ThrowIfCancellationRequested();
                    var col = cols[j];
                    using (var tileScope = NewDisposeScope())
                    {
                        var tile = input.narrow(2, row.Start, row.Length).narrow(3, col.Start, col.Length).contiguous();
                        var output = TileOutput.Compute(network, tile, scale);
                        if (strip is null)
                        {
                            strip = zeros(new[] { n, output.shape[1], row.Length * scale, w * scale }, output.dtype, output.device)
                                .MoveToOuterDisposeScope();
                            rampCols = tensor(rampValues, output.dtype, output.device).view(1, 1, 1, band).MoveToOuterDisposeScope();
                        }
                        CrossFade(strip, output, dim: 3, at: col.Start * scale, blend: j > 0 ? band : 0, rampCols!);
                    }
                    progress?.Report(new TileProgress(++done, total));
                }
                if (result is null)
                {
                    result = zeros(new[] { n, strip!.shape[1], h * scale, w * scale }, strip.dtype, strip.device);
                    rampRows = tensor(rampValues, strip.dtype, strip.device).view(1, 1, band, 1);
                    result.MoveToOuterDisposeScope();
                    rampRows.MoveToOuterDisposeScope();
                }
                CrossFade(result, strip!, dim: 2, at: row.Start * scale, blend: i > 0 ? band : 0, rampRows!);
            }
        }
        return result!.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Writes <paramref name="piece"/> into <paramref name="target"/> starting at <paramref name="at"/> along <paramref name="dim"/>:
    /// its first <paramref name="blend"/> entries are interpolated from what is already there towards the piece by <paramref name="ramp"/>,
    /// the rest are copied.
    /// </summary>
    static void CrossFade(Tensor target, Tensor piece, int dim, long at, long blend, Tensor ramp)
    {
        long length = piece.shape[dim];
        if (blend > 0)
        {
            var region = target.narrow(dim, at, blend);
            region.copy_(region.lerp(piece.narrow(dim, 0, blend), ramp));
        }
        target.narrow(dim, at + blend, length - blend).copy_(piece.narrow(dim, blend, length - blend));
    }
}
