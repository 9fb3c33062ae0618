using MambaIR.Evaluation;

namespace MambaIR.Tests.Evaluation;

public class PublishedResultsTests
{
    [Fact]
    public void Tables_HaveTheSpecValuesAndSources()
    {
        var classic = PublishedResults.Find(RestorationTask.SuperResolution, 4, "urban100").Single(r => r.Method == "MambaIR" && r.Table == "classic");
        Assert.Equal(27.68, classic.Psnr);
        Assert.Equal(0.8287, classic.Ssim);
        Assert.Contains("csguoh/MambaIR", classic.Source);

        var light = PublishedResults.Find(RestorationTask.SuperResolution, 2, "BSD100").Single(r => r.Method == "MambaIR-light");
        Assert.Equal(32.31, light.Psnr);

        var dn = PublishedResults.Find(RestorationTask.Denoising, 50, "CBSD68").Single(r => r.Method == "MambaIR");
        Assert.Equal(28.61, dn.Psnr);
        Assert.Null(dn.Ssim);

        var car = PublishedResults.Find(RestorationTask.JpegArtifactRemoval, 10, "Classic5").Single(r => r.Method == "MambaIR");
        Assert.Equal((30.27, 0.8256), (car.Psnr, car.Ssim!.Value));

        var plus = PublishedResults.Find(RestorationTask.SuperResolution, 4, "Set5").Single(r => r.Method == "MambaIR+");
        Assert.NotNull(plus.Note); // the printed 31.13 is flagged

        // No "literature bicubic" rows: their values had no source that was read here.
        Assert.DoesNotContain(PublishedResults.All, r => r.Method == "Bicubic");
    }

    [Fact]
    public void EveryRowIsComplete()
    {
        Assert.All(PublishedResults.All, r =>
        {
            Assert.False(string.IsNullOrWhiteSpace(r.Source));
            Assert.InRange(r.Psnr, 20, 45);
            if (r.Ssim is double s) Assert.InRange(s, 0.6, 1);
            Assert.Equal(r.Dataset, PublishedResults.CanonicalDataset(r.Dataset));
        });
        // 5 sets × (5 classic + 3 light rows) × 3 scales + 4 DN sets × 8 rows + 6 CAR cells × 2 methods
        Assert.Equal(5 * 8 * 3 + 4 * 8 + 12, PublishedResults.All.Count);
        Assert.Null(PublishedResults.CanonicalDataset("MyPhotos"));
    }
}
