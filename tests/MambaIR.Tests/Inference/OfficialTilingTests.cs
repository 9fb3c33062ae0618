using MambaIR.Inference;
using static TorchSharp.torch;

namespace MambaIR.Tests.Inference;

[Collection("torch")]
public class OfficialTilingTests
{
    /// <summary>
    /// A line-by-line transcription of the official test-time tiling (spec §6) for one axis, independent of
    /// <see cref="OfficialTileGrid"/>: number of tiles, padding, the slice each tile reads and the slice of its
    /// output that is pasted (both in input pixels).
    /// </summary>
    static (long Pad, List<(long Start, long Stop)> Reads, List<(long Start, long Stop)> Pastes, long Split) Transcription(long len)
    {
        long splitToken = len / 200 + 1;
        long modPad = len % splitToken != 0 ? splitToken - len % splitToken : 0;
        long padded = len + modPad;
        long split = padded / splitToken, shave = split / 10;
        long count = padded / split;
        var reads = new List<(long, long)>();
        var pastes = new List<(long, long)>();
        for (long i = 0; i < count; i++)
        {
            if (i == 0 && i == count - 1) reads.Add((i * split, (i + 1) * split));
            else if (i == 0) reads.Add((i * split, (i + 1) * split + shave));
            else if (i == count - 1) reads.Add((i * split - shave, (i + 1) * split));
            else reads.Add((i * split - shave, (i + 1) * split + shave));
            pastes.Add(i == 0 ? (0, split) : (shave, shave + split));
        }
        return (modPad, reads, pastes, split);
    }

    [Theory]
    [InlineData(201, 399, 1)]
    [InlineData(450, 199, 1)]
    [InlineData(1, 1, 1)]
    [InlineData(200, 200, 1)]
    [InlineData(199, 601, 2)]
    [InlineData(1000, 7, 1)]
    [InlineData(403, 403, 3)]
    [InlineData(201, 399, 4)]
    public void Grid_matches_the_definition(long h, long w, int scale)
    {
        var grid = OfficialTileGrid.For(h, w);
        foreach (var (len, pad, spans) in new[] { (h, grid.PadBottom, grid.Rows), (w, grid.PadRight, grid.Columns) })
        {
            var t = Transcription(len);
            Assert.Equal(t.Pad, pad);
            Assert.Equal(t.Reads.Count, spans.Count);
            for (int i = 0; i < spans.Count; i++)
            {
                Assert.Equal(t.Reads[i], (spans[i].Start, spans[i].Start + spans[i].Length));
                Assert.Equal(t.Pastes[i], (spans[i].KeepOffset, spans[i].KeepOffset + spans[i].KeepLength));
                Assert.Equal((i * t.Split, (i + 1) * t.Split), (spans[i].KeepStart, spans[i].KeepStart + spans[i].KeepLength));
            }
        }
        Assert.Equal(grid.Rows.Count * grid.Columns.Count, new OfficialTiling().TileCount(h, w));
        _ = scale;
    }

    /// <summary>
    /// A position-encoding network reports, for every output pixel, which call produced it and where in that call's tile
    /// it sat; together with the recorded tile inputs (which show the reflect padding) this checks the whole procedure
    /// against the transcription: reads, reflect padding, paste offsets, merge positions and the final crop.
    /// </summary>
    [Theory]
    [InlineData(201, 399, 1)]
    [InlineData(450, 199, 1)]
    [InlineData(1, 1, 1)]
    [InlineData(200, 200, 1)]
    [InlineData(199, 601, 2)]
    [InlineData(1000, 7, 1)]
    [InlineData(403, 403, 3)]
    [InlineData(401, 251, 4)]
    public void Output_comes_from_the_tiles_the_definition_names(long h, long w, int scale)
    {
        var rows = Transcription(h);
        var cols = Transcription(w);
        var calls = new List<Tensor>();
        Tensor PositionNetwork(Tensor x)
        {
            calls.Add(x.clone().DetachFromDisposeScope());
            long th = x.shape[2], tw = x.shape[3];
            var localRow = arange(th, ScalarType.Float64).view(1, 1, th, 1).expand(1, 1, th, tw);
            var localCol = arange(tw, ScalarType.Float64).view(1, 1, 1, tw).expand(1, 1, th, tw);
            var callIndex = full(new[] { 1L, 1, th, tw }, (double)(calls.Count - 1), ScalarType.Float64);
            return cat(new[] { x, callIndex, localRow, localCol }, 1).repeat_interleave(scale, 2).repeat_interleave(scale, 3);
        }
        var rowIndex = arange(h, ScalarType.Float64).view(1, 1, h, 1).expand(1, 1, h, w);
        var colIndex = arange(w, ScalarType.Float64).view(1, 1, 1, w).expand(1, 1, h, w);
        using var input = cat(new[] { rowIndex, colIndex }, 1);
        using var output = new OfficialTiling().Run(input, PositionNetwork, scale);

        Assert.Equal(new long[] { 1, 5, h * scale, w * scale }, output.shape);
        Assert.Equal(rows.Reads.Count * cols.Reads.Count, calls.Count);
        // Each call read the slice the definition names, from the reflect-padded image.
        static long Reflect(long p, long len) => p < len ? p : 2 * (len - 1) - p;
        for (int i = 0; i < rows.Reads.Count; i++)
            for (int j = 0; j < cols.Reads.Count; j++)
            {
                var tile = calls[i * cols.Reads.Count + j];
                var (r0, r1) = rows.Reads[i];
                var (c0, c1) = cols.Reads[j];
                Assert.Equal(new long[] { 1, 2, r1 - r0, c1 - c0 }, tile.shape);
                var tileRows = tile[0, 0, .., 0].data<double>().ToArray();
                var tileCols = tile[0, 1, 0, ..].data<double>().ToArray();
                for (long r = r0; r < r1; r++) Assert.Equal(Reflect(r, h), tileRows[r - r0]);
                for (long c = c0; c < c1; c++) Assert.Equal(Reflect(c, w), tileCols[c - c0]);
            }
        // Each output pixel came from the tile whose block contains it, at the position the paste slice gives.
        var o = output[0].data<double>().ToArray();
        long H = h * scale, W = w * scale, plane = H * W;
        for (long y = 0; y < H; y++)
        {
            int i = (int)(y / (rows.Split * scale));
            long localY = y - i * rows.Split * scale + rows.Pastes[i].Start * scale;
            for (long x = 0; x < W; x++)
            {
                int j = (int)(x / (cols.Split * scale));
                long localX = x - j * cols.Split * scale + cols.Pastes[j].Start * scale;
                long p = y * W + x;
                Assert.Equal(y / scale, o[p]);
                Assert.Equal(x / scale, o[plane + p]);
                Assert.Equal(i * cols.Reads.Count + j, o[2 * plane + p]);
                Assert.Equal(localY / scale, o[3 * plane + p]);
                Assert.Equal(localX / scale, o[4 * plane + p]);
            }
        }
        foreach (var t in calls) t.Dispose();
    }

    [Theory]
    [InlineData(201, 399)]
    [InlineData(450, 199)]
    [InlineData(1, 1)]
    [InlineData(620, 405)]
    public void Pointwise_network_tiled_equals_whole_image_exactly(int h, int w)
    {
        var tiling = new OfficialTiling();
        using var input = StandInNetworks.RandomImage(1, 3, h, w);
        foreach (int scale in new[] { 1, 2, 3 })
        {
            var net = scale == 1 ? StandInNetworks.Affine : StandInNetworks.NearestUpsampler(scale);
            using var whole = net(input);
            using var tiled = tiling.Run(input, net, scale);
            Assert.True(StandInNetworks.Identical(whole, tiled), $"×{scale}: tiled output differs from the whole-image output");
        }
    }
}
