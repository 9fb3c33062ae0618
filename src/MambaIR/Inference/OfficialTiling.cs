using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Inference;

/// <summary>
/// The tiling of the official MambaIR test code (<c>MambaIRModel.test</c>), reproduced exactly so that published numbers
/// can be reproduced: ⌊h/200⌋+1 × ⌊w/200⌋+1 tiles after reflect-padding the bottom/right edge to divisibility, each tile
/// widened by 10 % of the tile size (the "shave") on its inner sides, and the outputs pasted back without blending
/// (each tile contributes exactly its own block). Images under 200 px on both sides run whole.
/// </summary>
public sealed class OfficialTiling : ITileStrategy
{
    public string Description => "official MambaIR tiling (⌊h/200⌋+1 × ⌊w/200⌋+1 tiles, 10 % overlap, hard paste)";

    public int TileCount(long height, long width)
    {
        var g = OfficialTileGrid.For(height, width);
        return g.Rows.Count * g.Columns.Count;
    }

    public Tensor Run(Tensor input, Func<Tensor, Tensor> network, int scale, IProgress<TileProgress>? progress = null, CancellationToken cancel = default)
    {
        TileOutput.ValidateInput(input, scale);
        long h = input.shape[2], w = input.shape[3];
        var grid = OfficialTileGrid.For(h, w);
        int total = grid.Rows.Count * grid.Columns.Count, done = 0;

        using var scope = NewDisposeScope();
        var padded = grid.PadBottom > 0 || grid.PadRight > 0
            ? nn.functional.pad(input, new long[] { 0, grid.PadRight, 0, grid.PadBottom }, PaddingModes.Reflect)
            : input.alias();
        Tensor? merged = null;
        foreach (var row in grid.Rows)
        foreach (var col in grid.Columns)
        {
            cancel.ThrowIfCancellationRequested();
            using (var tileScope = NewDisposeScope())
            {
                var tile = padded.narrow(2, row.Start, row.Length).narrow(3, col.Start, col.Length).contiguous();
                var output = TileOutput.Compute(network, tile, scale);
                merged ??= zeros(new[] { input.shape[0], output.shape[1], grid.PaddedHeight * scale, grid.PaddedWidth * scale },
                    output.dtype, output.device).MoveToOuterDisposeScope();
                merged.narrow(2, row.KeepStart * scale, row.KeepLength * scale).narrow(3, col.KeepStart * scale, col.KeepLength * scale)
                    .copy_(output.narrow(2, row.KeepOffset * scale, row.KeepLength * scale).narrow(3, col.KeepOffset * scale, col.KeepLength * scale));
            }
            progress?.Report(new TileProgress(++done, total));
        }
        var result = grid.PadBottom > 0 || grid.PadRight > 0
            ? merged!.narrow(2, 0, h * scale).narrow(3, 0, w * scale).contiguous()
            : merged!;
        return result.MoveToOuterDisposeScope();
    }
}
