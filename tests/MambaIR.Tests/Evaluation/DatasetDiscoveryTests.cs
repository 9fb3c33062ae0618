using MambaIR.Evaluation;

namespace MambaIR.Tests.Evaluation;

public class DatasetDiscoveryTests
{
    static string Touch(string dir, string file)
    {
        Directory.CreateDirectory(dir);
        string p = Path.Combine(dir, file);
        File.WriteAllBytes(p, []);
        return p;
    }

    [Fact]
    public void SharedSet5Layout_PairsHrWithLrbi()
    {
        var set = DatasetDiscovery.Discover(new DatasetSpec(Path.Combine(TestPaths.Benchmarks, "Set5")), RestorationTask.SuperResolution, 3);
        Assert.Null(set.Problem);
        Assert.Equal("Set5", set.Name);
        Assert.Equal(5, set.Samples.Count);
        Assert.Empty(set.Skipped);
        Assert.Equal("baby_HR_x3", set.Samples[0].Name);
        Assert.EndsWith(Path.Combine("LRBI", "x3", "baby_LRBI_x3.png"), set.Samples[0].InputPath);
    }

    [Fact]
    public void HrFolderOnly_UsesTheScaleSubfolder()
    {
        var set = DatasetDiscovery.Discover(new DatasetSpec(Path.Combine(TestPaths.Benchmarks, "Set5", "HR")), RestorationTask.SuperResolution, 4);
        Assert.Equal("Set5", set.Name);
        Assert.Equal(5, set.Samples.Count);
        Assert.All(set.Samples, s => Assert.Null(s.InputPath));
        Assert.Contains("MATLAB bicubic", set.Layout);
    }

    [Fact]
    public void SharedSet14Layout_PairsHrAndLrInOneFolder()
    {
        var set = DatasetDiscovery.Discover(new DatasetSpec(Path.Combine(TestPaths.Benchmarks, "Set14")), RestorationTask.SuperResolution, 4);
        Assert.Equal("Set14", set.Name);
        Assert.Equal(14, set.Samples.Count);
        Assert.All(set.Samples, s => Assert.EndsWith("_LR.png", s.InputPath));
        Assert.Equal("img_001_SRF_4_HR", set.Samples[0].Name);
    }

    [Fact]
    public void BasicSRLayouts_UseFilenameTemplates_AndReportMissingLr()
    {
        string root = TestPaths.NewTempDir();
        try
        {
            // Urban100-style: HR/NAME.png + LR_bicubic/X4/NAMEx4.png; one LR missing.
            string urban = Path.Combine(root, "Urban100");
            Touch(Path.Combine(urban, "HR"), "img_001.png");
            Touch(Path.Combine(urban, "HR"), "img_002.png");
            Touch(Path.Combine(urban, "LR_bicubic", "X4"), "img_001x4.png");
            var set = DatasetDiscovery.Discover(DatasetSpec.Parse(urban), RestorationTask.SuperResolution, 4);
            Assert.Equal("Urban100", set.Name);
            Assert.Single(set.Samples);
            var skipped = Assert.Single(set.Skipped);
            Assert.Equal("img_002", skipped.Name);
            Assert.Contains("img_002x4.png", skipped.Reason);
            Assert.Contains("'{}x4'", skipped.Reason);

            // Manga109-style: '{}_LRBI_x4' detected.
            string manga = Path.Combine(root, "Manga109");
            Touch(Path.Combine(manga, "HR"), "AisazuNihaIrarenai.png");
            Touch(Path.Combine(manga, "LR_bicubic", "X4"), "AisazuNihaIrarenai_LRBI_x4.png");
            set = DatasetDiscovery.Discover(new DatasetSpec(manga), RestorationTask.SuperResolution, 4);
            Assert.Single(set.Samples);
            Assert.Contains("_LRBI_x4", set.Layout);

            // Explicit HR,LR folders with a given template, and a name.
            set = DatasetDiscovery.Discover(DatasetSpec.Parse($"{Path.Combine(manga, "HR")},{Path.Combine(manga, "LR_bicubic", "X4")}:Manga"),
                RestorationTask.SuperResolution, 4, "{}_LRBI_x4");
            Assert.Equal("Manga", set.Name);
            Assert.Single(set.Samples);

            // HR only: the LR will be synthesised.
            string hrOnly = Path.Combine(root, "Mine");
            Touch(hrOnly, "a.png");
            set = DatasetDiscovery.Discover(new DatasetSpec(hrOnly), RestorationTask.SuperResolution, 2);
            Assert.Null(Assert.Single(set.Samples).InputPath);

            // A folder that does not exist is a problem of that set, not an exception.
            set = DatasetDiscovery.Discover(new DatasetSpec(Path.Combine(root, "nope")), RestorationTask.SuperResolution, 2);
            Assert.Contains("not found", set.Problem);
        }
        finally { Directory.Delete(root, true); }
    }

    [Theory]
    [InlineData("/data/Set5", "/data/Set5", null, null)]
    [InlineData("/data/Set5:S5", "/data/Set5", null, "S5")]
    [InlineData("/data/HR,/data/LR:Mine", "/data/HR", "/data/LR", "Mine")]
    [InlineData(@"C:\data\Set5", @"C:\data\Set5", null, null)]
    public void DatasetSpec_Parses(string text, string gt, string? lr, string? name)
    {
        var s = DatasetSpec.Parse(text);
        Assert.Equal(gt, s.GroundTruthPath);
        Assert.Equal(lr, s.InputPath);
        Assert.Equal(name, s.Name);
    }
}
