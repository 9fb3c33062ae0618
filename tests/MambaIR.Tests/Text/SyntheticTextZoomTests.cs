using MambaIR.Imaging;
using MambaIR.Text;
using MambaIR.Text.Synthetic;

namespace MambaIR.Tests.Text;

[Collection("torch")]
public class SyntheticTextZoomTests
{
    [Fact]
    public void SamplesAreSeededAndIndependentOfCount()
    {
        using var g = new SyntheticTextZoomGenerator(new SyntheticTextZoomOptions { Seed = 3 });
        using var g2 = new SyntheticTextZoomGenerator(new SyntheticTextZoomOptions { Seed = 3 });
        using var other = new SyntheticTextZoomGenerator(new SyntheticTextZoomOptions { Seed = 4 });
        for (int i = 0; i < 3; i++)
        {
            var a = g.Generate(i); var b = g2.Generate(i);
            Assert.Equal(a.Label, b.Label);
            Assert.Equal(a.HighResPng, b.HighResPng);
            Assert.Equal(a.LowResJpeg, b.LowResJpeg);
        }
        Assert.NotEqual(g.Generate(0).HighResPng, other.Generate(0).HighResPng);
        Assert.NotEqual(g.Generate(0).HighResPng, g.Generate(1).HighResPng);
    }

    [Fact]
    public void PairsHaveTextZoomSizesLabelsAndVisibleText()
    {
        using var g = new SyntheticTextZoomGenerator(new SyntheticTextZoomOptions { Seed = 1 });
        for (int i = 0; i < 8; i++)
        {
            var s = g.Generate(i);
            var hr = Rgb8Image.Decode(s.HighResPng, "hr");
            var lr = Rgb8Image.Decode(s.LowResJpeg, "lr");
            Assert.Equal((128, 32), (hr.Width, hr.Height));
            Assert.Equal((64, 16), (lr.Width, lr.Height));
            Assert.Equal(s.HighRes.Pixels, hr.Pixels);
            Assert.Equal(TextNormalizer.All(s.Label), s.Label);
            Assert.InRange(s.Label.Length, 2, 12);
            // Text is drawn: the grey image has strong contrast and the pixels darker than the mean (the TSRN mask) are
            // neither almost none nor almost all of the image.
            byte[] l = hr.ToGreyPil();
            Assert.True(l.Max() - l.Min() >= 60, $"sample {i} ('{s.Label}') has too little contrast");
            double mean = l.Average(v => (double)v);
            double dark = l.Count(v => v <= mean) / (double)l.Length;
            Assert.InRange(dark, 0.05, 0.95);
            Assert.InRange(s.JpegQuality, 40, 95);
        }
    }

    [Fact]
    public void WritesTextZoomLmdbReadableByTheDataset()
    {
        string dir = TestPaths.NewTempDir("synth");
        try
        {
            string path = Path.Combine(dir, "easy");
            using (var g = new SyntheticTextZoomGenerator(new SyntheticTextZoomOptions { Seed = 7 })) g.WriteLmdb(path, 5);
            using var ds = TextZoomDataset.Open(path, mask: true);
            Assert.Equal(5, ds.Count);
            using var g2 = new SyntheticTextZoomGenerator(new SyntheticTextZoomOptions { Seed = 7 });
            using var batch = ds.Batches(5).Single();
            Assert.Equal(Enumerable.Range(0, 5).Select(i => g2.Generate(i).Label), batch.Labels);
            Assert.Equal(new long[] { 5, 4, 32, 128 }, batch.Gt.shape);
            Assert.Empty(ds.Skipped);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void UnloadableFontIsNamed()
    {
        string dir = TestPaths.NewTempDir("font");
        try
        {
            string bad = Path.Combine(dir, "bad.ttf");
            File.WriteAllText(bad, "not a font");
            var e = Assert.Throws<InvalidDataException>(() => new SyntheticTextZoomGenerator(new SyntheticTextZoomOptions { FontFiles = [bad] }));
            Assert.Contains("bad.ttf", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
