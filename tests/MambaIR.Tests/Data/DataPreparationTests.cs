using MambaIR.Data;
using MambaIR.Imaging;
using MambaIR.Tests.Imaging;

namespace MambaIR.Tests.Data;

public class DataPreparationTests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("dataprep");
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact, Trait("Category", "Parity")]
    public void BenchmarkBuilderReproducesSet5FromTheOriginals()
    {
        string set5 = Path.Combine(TestPaths.Benchmarks, "Set5");
        string outRoot = Path.Combine(_dir, "Set5");
        int calls = 0;
        var written = BenchmarkBuilder.Build(Path.Combine(set5, "original"), outRoot,
            new BenchmarkOptions([2, 3, 4], LrTemplate: "{}_LRBI_x{s}"), (d, t, f) => calls++);
        Assert.Equal(5, calls);
        Assert.Equal(5 * 3 * 2, written.Count);
        foreach (int s in new[] { 2, 3, 4 })
            foreach (var name in new[] { "baby", "bird", "butterfly", "head", "woman" })
            {
                var hr = ImageFile.Read(Path.Combine(outRoot, "HR", $"x{s}", name + ".png"));
                var hrRef = ImageFile.Read(Path.Combine(set5, "HR", $"x{s}", $"{name}_HR_x{s}.png"));
                Assert.Equal(hrRef.ToBytesHwc(), hr.ToBytesHwc());
                var lr = ImageFile.Read(Path.Combine(outRoot, "LRBI", $"x{s}", $"{name}_LRBI_x{s}.png"));
                var lrRef = ImageFile.Read(Path.Combine(set5, "LRBI", $"x{s}", $"{name}_LRBI_x{s}.png"));
                Assert.True(lrRef.ToBytesHwc().AsSpan().SequenceEqual(lr.ToBytesHwc()), $"x{s} {name} LR differs");
            }
        // the default template is BasicSR's '{}x{s}'
        Assert.Equal("babyx4", new BenchmarkOptions([4]).LrStem("baby", 4));
    }

    [Fact]
    public void ModCropIsTopLeft()
    {
        var img = ImageFileTests.Synthetic(11, 7, 3, 8, false);
        var c = BenchmarkBuilder.ModCrop(img, 3);
        Assert.Equal((9, 6), (c.Width, c.Height));
        Assert.Equal(img[2, 5, 8], c[2, 5, 8]);
        Assert.Same(img, BenchmarkBuilder.ModCrop(img, 1));
    }

    [Fact]
    public void SubImagePositionsFollowBasicSr()
    {
        // DIV2K 2040x1356: 5 rows x 8 columns = 40 crops (0001_s001 .. 0001_s040), HR and every LR scale alike
        Assert.Equal(new[] { 0, 240, 480, 720, 876 }, SubImageExtractor.Positions(1356, 480, 240, 0));
        Assert.Equal(new[] { 0, 240, 480, 720, 960, 1200, 1440, 1560 }, SubImageExtractor.Positions(2040, 480, 240, 0));
        Assert.Equal(40, SubImageExtractor.Plan("0001", 2040, 1356, SubImageOptions.Hr).Count);
        foreach (int s in new[] { 2, 3, 4 })
        {
            var lr = SubImageExtractor.Plan("0001", 2040 / s, 1356 / s, SubImageOptions.ForScale(s));
            var hr = SubImageExtractor.Plan("0001", 2040, 1356, SubImageOptions.Hr);
            Assert.Equal(hr.Select(p => (p.Name, p.X, p.Y)), lr.Select(p => (p.Name, p.X * s, p.Y * s)));
        }
        Assert.Equal((240, 120), (SubImageOptions.ForScale(2).CropSize, SubImageOptions.ForScale(2).Step));
        Assert.Equal((160, 80), (SubImageOptions.ForScale(3).CropSize, SubImageOptions.ForScale(3).Step));
        Assert.Equal((120, 60), (SubImageOptions.ForScale(4).CropSize, SubImageOptions.ForScale(4).Step));
        // threshold: a remainder of exactly thresh is dropped, a larger one adds the last crop
        Assert.Equal(new[] { 0 }, SubImageExtractor.Positions(500, 480, 240, 20));
        Assert.Equal(new[] { 0, 20 }, SubImageExtractor.Positions(500, 480, 240, 19));
        Assert.Equal(new[] { 0 }, SubImageExtractor.Positions(480, 480, 240, 0));
        Assert.Throws<ArgumentException>(() => SubImageExtractor.Positions(479, 480, 240, 0));
        var plan = SubImageExtractor.Plan("a", 100, 70, new SubImageOptions(40, 20));
        Assert.Equal(("a_s001", 0, 0), plan[0]);
        Assert.Equal(("a_s004", 60, 0), plan[3]);   // x: 0,20,40,60 (60 + 40 = 100: no extra column)
        Assert.Equal(("a_s005", 0, 20), plan[4]);   // y: 0,20 and 30 (remainder 10 > 0)
        Assert.Equal(("a_s012", 60, 30), plan[^1]);
        Assert.Equal("0001", SubImageExtractor.BaseName("0001x4.png"));
    }

    [Fact]
    public void ExtractsCropsToFiles()
    {
        string input = Path.Combine(_dir, "in"), output = Path.Combine(_dir, "out");
        Directory.CreateDirectory(input);
        var img = ImageFileTests.Synthetic(100, 70, 3, 8, false);
        ImageFile.Write(Path.Combine(input, "0007x2.png"), img);
        int crops = SubImageExtractor.ExtractFolder(input, output, new SubImageOptions(40, 20), threads: 2);
        Assert.Equal(12, crops);
        var files = Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Enumerable.Range(1, 12).Select(i => $"0007_s{i:000}.png"), files);
        var last = ImageFile.Read(Path.Combine(output, "0007_s012.png"));
        Assert.Equal(img.Crop(60, 30, 40, 40).Pixels, last.Pixels);

        string small = Path.Combine(_dir, "small");
        Directory.CreateDirectory(small);
        ImageFile.Write(Path.Combine(small, "tiny.png"), ImageFileTests.Synthetic(10, 10, 3, 8, false));
        var e = Assert.Throws<ArgumentException>(() => SubImageExtractor.ExtractFolder(small, output, new SubImageOptions(40, 20)));
        Assert.Contains("tiny.png", e.Message);
    }

    [Fact]
    public void PairedFolderReportsMissingUnmatchedAndSizeMismatches()
    {
        string hr = Path.Combine(_dir, "HR"), lr = Path.Combine(_dir, "LR");
        Directory.CreateDirectory(hr); Directory.CreateDirectory(lr);
        void W(string dir, string name, int w, int h) => ImageFile.Write(Path.Combine(dir, name), ImageFileTests.Synthetic(w, h, 3, 8, false));
        W(hr, "a.png", 16, 16); W(lr, "ax2.png", 8, 8);     // good
        W(hr, "b.png", 17, 17); W(lr, "bx2.png", 8, 8);     // HR not mod-cropped: fine (BasicSR crops GT)
        W(hr, "c.png", 16, 16); W(lr, "cx2.png", 7, 8);     // wrong size
        W(hr, "d.png", 16, 16);                             // LR missing
        W(lr, "zx2.png", 8, 8);                             // LR without HR
        var p = new PairedImageFolder(hr, lr, "{}x2");
        Assert.Equal(new[] { "a", "b", "c" }, p.Pairs.Select(x => x.Name));
        Assert.Equal("dx2.png", Assert.Single(p.MissingLr).ExpectedLrName);
        Assert.EndsWith("zx2.png", Assert.Single(p.UnmatchedLr));
        var size = Assert.Single(p.SizeMismatches(2));
        Assert.StartsWith("c: HR 16x16 does not match LR 7x8", size);
        var e = Assert.Throws<InvalidDataException>(() => p.EnsureValid(2));
        Assert.Contains("dx2.png", e.Message);
        Assert.Contains("3 problem(s)", e.Message);
        Assert.Equal("img_001_LRBI_x4.png", new PairedImageFolder(hr, lr, "{}_LRBI_x4").LrName("img_001.png"));
        Assert.Throws<ArgumentException>(() => new PairedImageFolder(hr, lr, "x2"));
    }
}
