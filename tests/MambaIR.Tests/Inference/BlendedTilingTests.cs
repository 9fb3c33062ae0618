using MambaIR;
using MambaIR.Models;
using MambaIR.Inference;
using static TorchSharp.torch;

namespace MambaIR.Tests.Inference;

[Collection("torch")]
public class BlendedTilingTests
{
    public static TheoryData<long, int, int> AxisCases()
    {
        var data = new TheoryData<long, int, int>();
        foreach (var (tile, overlap) in new[] { (8, 2), (11, 3), (16, 4), (16, 0), (64, 16), (64, 20), (256, 32) })
            foreach (long length in new long[] { 1, 2, 7, 8, 9, 15, 16, 17, 30, 63, 64, 65, 100, 127, 200, 257, 1000 })
                data.Add(length, tile, overlap);
        return data;
    }

    [Theory]
    [MemberData(nameof(AxisCases))]
    public void Axis_split_covers_with_exact_overlaps_and_bounded_tiles(long length, int tile, int overlap)
    {
        var spans = BlendAxis.Split(length, tile, overlap);
        Assert.Equal(0, spans[0].Start);
        Assert.Equal(length, spans[^1].End);
        foreach (var s in spans) Assert.InRange(s.Length, 1, tile);
        if (length <= tile) Assert.Single(spans);
        for (int k = 1; k < spans.Count; k++)
        {
            Assert.Equal(overlap, spans[k - 1].End - spans[k].Start);            // neighbours share exactly `overlap` pixels
            if (k >= 2) Assert.True(spans[k].Start >= spans[k - 2].End, "a pixel lies in three tiles");
        }
        // As few tiles as the constraints allow: one fewer could not cover the axis.
        if (spans.Count > 1) Assert.True((long)(spans.Count - 1) * (tile - overlap) + overlap < length);
    }

    [Theory]
    [MemberData(nameof(AxisCases))]
    public void Blend_weights_sum_to_one_everywhere(long length, int tile, int overlap)
    {
        foreach (int scale in new[] { 1, 2, 3 })
        {
            var weights = BlendAxis.Weights(length, tile, overlap, scale);
            for (long x = 0; x < length * scale; x++)
            {
                double sum = 0;
                foreach (var w in weights)
                {
                    Assert.InRange(w[x], 0.0, 1.0);
                    sum += w[x];
                }
                Assert.True(Math.Abs(sum - 1) < 1e-12, $"weights sum to {sum:R} at output pixel {x} (length {length}, tile {tile}, overlap {overlap}, scale {scale})");
            }
        }
    }

    [Fact]
    public void Ramp_is_symmetric_and_strictly_inside_zero_one()
    {
        var r = BlendAxis.Ramp(10);
        for (int p = 0; p < r.Length; p++)
        {
            Assert.InRange(r[p], 1e-6, 1 - 1e-6);
            Assert.Equal(1 - r[p], r[r.Length - 1 - p], 12);
            if (p > 0) Assert.True(r[p] > r[p - 1]);
        }
    }

    /// <summary>
    /// A network that answers every call with a constant (the call number + 1) shows exactly which weight each tile got:
    /// the merged output must equal Σ_k c_k · rowWeight_k(y) · colWeight_k(x), computed independently from the axis weights.
    /// </summary>
    [Theory]
    [InlineData(37, 53, 16, 4, 1)]
    [InlineData(37, 53, 16, 4, 2)]
    [InlineData(64, 17, 11, 3, 3)]
    [InlineData(5, 100, 8, 2, 2)]
    public void Merge_uses_the_blend_weights(int h, int w, int tile, int overlap, int scale)
    {
        var tiling = new BlendedTiling(tile, overlap);
        int call = 0;
        Tensor Constant(Tensor x) => full(new[] { x.shape[0], 2L, x.shape[2] * scale, x.shape[3] * scale }, (double)++call, ScalarType.Float64);
        using var input = zeros(1, 3, h, w, ScalarType.Float64);
        using var output = tiling.Run(input, Constant, scale);
        Assert.Equal(new long[] { 1, 2, h * scale, w * scale }, output.shape);
        Assert.Equal(tiling.TileCount(h, w), call);

        var rowW = BlendAxis.Weights(h, tile, overlap, scale);
        var colW = BlendAxis.Weights(w, tile, overlap, scale);
        var actual = output[0, 1].data<double>().ToArray();
        for (int y = 0; y < h * scale; y++)
            for (int x = 0; x < w * scale; x++)
            {
                double expected = 0;
                for (int i = 0; i < rowW.Length; i++)
                    for (int j = 0; j < colW.Length; j++)
                        expected += (i * colW.Length + j + 1) * rowW[i][y] * colW[j][x];
                Assert.True(Math.Abs(expected - actual[y * w * scale + x]) < 1e-9, $"pixel ({y},{x}): expected {expected}, got {actual[y * w * scale + x]}");
            }
    }

    [Theory]
    [InlineData(1, 1, 8, 2)]
    [InlineData(8, 8, 8, 2)]
    [InlineData(9, 31, 8, 2)]
    [InlineData(100, 73, 16, 4)]
    [InlineData(130, 257, 64, 16)]
    [InlineData(300, 200, 128, 0)]
    public void Pointwise_network_tiled_equals_whole_image_exactly(int h, int w, int tile, int overlap)
    {
        var tiling = new BlendedTiling(tile, overlap);
        using var input = StandInNetworks.RandomImage(2, 3, h, w);
        using (var whole = StandInNetworks.Affine(input))
        using (var tiled = tiling.Run(input, StandInNetworks.Affine, 1))
            Assert.True(StandInNetworks.Identical(whole, tiled), "tiled output differs from the whole-image output");
        foreach (int scale in new[] { 2, 3, 4 })
        {
            var up = StandInNetworks.NearestUpsampler(scale);
            using var whole = up(input);
            using var tiled = tiling.Run(input, up, scale);
            Assert.True(StandInNetworks.Identical(whole, tiled), $"×{scale}: tiled output differs from the whole-image output");
        }
    }

    [Fact]
    public void Reports_progress_for_every_tile()
    {
        var tiling = new BlendedTiling(16, 4);
        var seen = new List<TileProgress>();
        using var input = zeros(1, 1, 40, 30);
        using var _ = tiling.Run(input, StandInNetworks.Affine, 1, new SyncProgress<TileProgress>(seen.Add));
        int total = tiling.TileCount(40, 30);
        Assert.Equal(Enumerable.Range(1, total).Select(i => new TileProgress(i, total)), seen);
    }

    [Fact]
    public void Wrong_network_output_size_is_a_clear_error()
    {
        var tiling = new BlendedTiling(16, 4);
        using var input = zeros(1, 3, 20, 20);
        var e = Assert.Throws<InvalidOperationException>(() => tiling.Run(input, StandInNetworks.NearestUpsampler(2), 3));
        Assert.Contains("scale 3", e.Message);
    }

    [Theory]
    [InlineData(16, 5)]
    [InlineData(1, 0)]
    [InlineData(64, -1)]
    public void Invalid_tile_options_are_rejected(int tile, int overlap) =>
        Assert.ThrowsAny<ArgumentException>(() => new BlendedTiling(tile, overlap));
}
