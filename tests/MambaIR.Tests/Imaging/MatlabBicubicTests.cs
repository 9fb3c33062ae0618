using MambaIR.Imaging;

namespace MambaIR.Tests.Imaging;

public class MatlabBicubicTests
{
    [Fact]
    public void ContributionsMatchTheWorkedExamples()
    {
        var down = MatlabBicubic.Compute(8, 4, 0.5);
        Assert.Equal(8, down.Taps);
        double[] w = [-0.01171875, -0.03515625, 0.11328125, 0.43359375, 0.43359375, 0.11328125, -0.03515625, -0.01171875];
        for (int k = 0; k < 8; k++) Assert.Equal(w[k], down.Weights[k], 15);
        Assert.Equal(new[] { 0, 0, 0, 0, 1, 2, 3, 4 }, down.Indices[..8]);
        Assert.Equal(new[] { 3, 4, 5, 6, 7, 7, 7, 7 }, down.Indices[24..32]);

        var mirror = MatlabBicubic.Compute(8, 4, 0.5, ResizeBorder.Symmetric);
        Assert.Equal(new[] { 2, 1, 0, 0, 1, 2, 3, 4 }, mirror.Indices[..8]);
        Assert.Equal(new[] { 3, 4, 5, 6, 7, 7, 6, 5 }, mirror.Indices[24..32]);

        var up = MatlabBicubic.Compute(4, 8, 2.0);
        Assert.Equal(4, up.Taps);
        Assert.Equal(new[] { -0.0234375, 0.2265625, 0.8671875, -0.0703125 }, up.Weights[..4]);
        Assert.Equal(new[] { 0, 0, 0, 1 }, up.Indices[..4]);
    }

    [Theory]
    [InlineData(2, 8)]
    [InlineData(3, 9)]
    [InlineData(4, 16)]
    public void TapCountsForIntegerFactors(int s, int taps) =>
        Assert.Equal(taps, MatlabBicubic.Compute(24 * s, 24, 1.0 / s).Taps);

    public static TheoryData<int, string, string> Set5Pairs()
    {
        var d = new TheoryData<int, string, string>();
        foreach (int s in new[] { 2, 3, 4 })
            foreach (var name in new[] { "baby", "bird", "butterfly", "head", "woman" })
                d.Add(s, Path.Combine("Set5", "HR", $"x{s}", $"{name}_HR_x{s}.png"), Path.Combine("Set5", "LRBI", $"x{s}", $"{name}_LRBI_x{s}.png"));
        return d;
    }

    public static TheoryData<int, string, string> Set14Pairs()
    {
        var d = new TheoryData<int, string, string>();
        foreach (int s in new[] { 2, 3, 4 })
            for (int i = 1; i <= 14; i++)
                d.Add(s, Path.Combine("Set14", $"x{s}", $"img_{i:000}_SRF_{s}_HR.png"), Path.Combine("Set14", $"x{s}", $"img_{i:000}_SRF_{s}_LR.png"));
        return d;
    }

    [Theory, Trait("Category", "Parity")]
    [MemberData(nameof(Set5Pairs))]
    [MemberData(nameof(Set14Pairs))]
    public void ReproducesBenchmarkLrBitExactly(int s, string hrRel, string lrRel)
    {
        var hr = ImageFile.Read(Path.Combine(TestPaths.Benchmarks, hrRel));
        var expected = ImageFile.Read(Path.Combine(TestPaths.Benchmarks, lrRel));
        var lr = MatlabBicubic.Resize(hr, 1.0 / s);
        Assert.Equal((expected.Width, expected.Height, expected.Channels), (lr.Width, lr.Height, lr.Channels));
        byte[] a = expected.ToBytesHwc(), b = lr.ToBytesHwc();
        int differ = a.Zip(b).Count(p => p.First != p.Second);
        Assert.True(differ == 0, $"{lrRel}: {differ} of {a.Length} samples differ");
    }

    [Fact]
    public void SymmetricBorderDiffersFromTheBenchmarkOnlyNearEdges()
    {
        var hr = ImageFile.Read(Path.Combine(TestPaths.Benchmarks, "Set5", "HR", "x4", "bird_HR_x4.png"));
        var rep = MatlabBicubic.Resize(hr, 0.25).ToBytesHwc();
        var sym = MatlabBicubic.Resize(hr, 0.25, ResizeBorder.Symmetric);
        var symB = sym.ToBytesHwc();
        int w = sym.Width, h = sym.Height;
        int interiorDiff = 0, edgeDiff = 0;
        for (int i = 0; i < rep.Length; i++)
        {
            if (rep[i] == symB[i]) continue;
            int y = i / 3 / w, x = i / 3 % w;
            if (y < 2 || x < 2 || y >= h - 2 || x >= w - 2) edgeDiff++; else interiorDiff++;
        }
        Assert.Equal(0, interiorDiff);
        Assert.True(edgeDiff > 0);
    }

    [Fact]
    public void FloatVariantIsUnroundedAndAgreesWithIntegerPathToHalfALevel()
    {
        var hr = ImageFile.Read(Path.Combine(TestPaths.Benchmarks, "Set5", "HR", "x3", "butterfly_HR_x3.png"));
        var f = MatlabBicubic.ResizeFloat(hr, 1.0 / 3);
        var q = MatlabBicubic.Resize(hr, 1.0 / 3);
        Assert.Equal((q.Width, q.Height), (f.Width, f.Height));
        Assert.Contains(f.Pixels, v => MathF.Abs(v * 255f - MathF.Round(v * 255f)) > 1e-3f); // not on the uint8 grid
        // one uint8 rounding after the row pass plus the final one: at most ~1.5 levels apart
        Assert.All(f.Pixels.Zip(q.Pixels), p => Assert.InRange(Math.Abs(p.First - p.Second) * 255, 0, 1.6));
    }

    [Fact]
    public void UpscaleAndNonUniformSizes()
    {
        var img = ImageFileTests.Synthetic(13, 7, 3, 8, alpha: true);
        var up = MatlabBicubic.Resize(img, 2.0);
        Assert.Equal((26, 14), (up.Width, up.Height));
        Assert.NotNull(up.Alpha);
        var odd = MatlabBicubic.Resize(img, 5, 20);
        Assert.Equal((20, 5), (odd.Width, odd.Height));
        // 16-bit images take MATLAB's uint16 path: results on the 16-bit grid, within one 8-bit level of the 8-bit path
        var wide = new RasterImage(img.Width, img.Height, 3, img.Pixels, null, 16);
        var w16 = MatlabBicubic.Resize(wide, 0.5);
        Assert.Equal(16, w16.BitDepth);
        Assert.All(w16.Pixels, v => Assert.Equal(Math.Round(v * 65535.0), v * 65535.0, 2));
        var w8 = MatlabBicubic.Resize(new RasterImage(img.Width, img.Height, 3, img.Pixels), 0.5);
        Assert.All(w16.Pixels.Zip(w8.Pixels), p => Assert.InRange(Math.Abs(p.First - p.Second) * 255, 0, 1.0));
        // constant image stays constant (weights are normalised)
        var flat = new RasterImage(9, 9, 1, Enumerable.Repeat(77 / 255f, 81).ToArray());
        Assert.All(MatlabBicubic.Resize(flat, 1.0 / 3).ToBytesHwc(), v => Assert.Equal(77, v));
        Assert.All(MatlabBicubic.Resize(flat, 1.7).ToBytesHwc(), v => Assert.Equal(77, v));
    }
}
