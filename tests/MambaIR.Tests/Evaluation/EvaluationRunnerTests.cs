using MambaIR.Models;
using MambaIR.Models.Baselines;
using MambaIR.Evaluation;
using MambaIR.Imaging;
using MambaIR.Inference;
using static TorchSharp.torch;

namespace MambaIR.Tests.Evaluation;

[Collection("torch")]
public class EvaluationRunnerTests
{
    static EvaluationOptions Options(RestorationTask task, int level, TestProcedure? procedure = null, string? save = null) =>
        new(task, level, procedure ?? new TestProcedure(TilingMode.None, false), SaveImagesDirectory: save);

    static EvaluationResult Bicubic(int scale, params DatasetSpec[] sets) =>
        new EvaluationRunner(BaselineModels.MatlabBicubic(scale), Options(RestorationTask.SuperResolution, scale)).Run(sets);

    static string Set5 => Path.Combine(TestPaths.Benchmarks, "Set5");

    [Theory]
    [InlineData(2, 33.6741, 0.9303, 33.66)]
    [InlineData(3, 30.4047, 0.8689, 30.39)]
    [InlineData(4, 28.4302, 0.8111, 28.42)]
    public void BicubicBaseline_Set5_ReproducesTheReferenceAndTheLiterature(int scale, double psnr, double ssim, double literature)
    {
        var r = Bicubic(scale, new DatasetSpec(Set5));
        var set = Assert.Single(r.Datasets);
        Assert.Equal(5, set.Images.Count);
        Assert.Empty(set.Skipped);
        // Reference: the doc's independent numpy re-implementation on the same files (4 decimals).
        Assert.Equal(psnr, set.MeanPsnr, 0.00006);
        Assert.Equal(ssim, set.MeanSsim, 0.00006);
        // Literature bicubic (other HR/LR packaging): within 0.015 dB.
        Assert.InRange(set.MeanPsnr - literature, -0.015, 0.015);
    }

    [Fact]
    public void BicubicBaseline_FromHrOnly_EqualsTheGivenLrFiles()
    {
        // The original (un-cropped) HR: mod-crop + MATLAB bicubic must rebuild the LRBI files bit for bit.
        var given = Bicubic(4, new DatasetSpec(Set5)).Datasets[0];
        var made = Bicubic(4, new DatasetSpec(Path.Combine(Set5, "original"), Name: "Set5")).Datasets[0];
        Assert.Equal(given.Images.Select(i => i.Psnr), made.Images.Select(i => i.Psnr));
        Assert.Equal(given.Images.Select(i => i.Ssim), made.Images.Select(i => i.Ssim));
        Assert.All(made.Images, i => Assert.Null(i.InputPath));
    }

    [Theory] // ×4 only, to keep the suite fast; ×2 and ×3 give 30.3263 and 27.6336 (literature 30.24, 27.55), same explanation.
    [InlineData(4, 26.0914, 26.00)]
    public void BicubicBaseline_Set14_MatchesTheLiteratureExceptForTheGreyImage(int scale, double basicsr, double literature)
    {
        var set = Bicubic(scale, new DatasetSpec(Path.Combine(TestPaths.Benchmarks, "Set14"))).Datasets[0];
        Assert.Equal(14, set.Images.Count);
        Assert.Equal(basicsr, set.MeanPsnr, 0.00006);
        // BasicSR reads the grey image (img_003, bridge) as 3 equal channels, so its Y is 16 + 219·v/255; the literature
        // (MATLAB scripts) measures that image on its raw grey values, which lowers its PSNR by 20·log10(255/219) dB.
        Assert.Single(set.Images, i => i.Name.StartsWith("img_003"));
        double matlabStyle = set.MeanPsnr - 20 * Math.Log10(255.0 / 219.0) / 14;
        Assert.InRange(matlabStyle - literature, -0.015, 0.015);
    }

    [Fact]
    public void BadInputs_AreReportedByName_AndTheRunContinues()
    {
        string root = TestPaths.NewTempDir();
        try
        {
            string hr = Path.Combine(root, "HR"), lr = Path.Combine(root, "LR_bicubic", "X2");
            Directory.CreateDirectory(lr);
            var rng = new Random(1);
            RasterImage Noise(int w, int h) => new(w, h, 3, Enumerable.Range(0, w * h * 3).Select(_ => rng.Next(256) / 255f).ToArray());
            ImageFile.Write(Path.Combine(hr, "good.png"), Noise(20, 16));
            ImageFile.Write(Path.Combine(lr, "goodx2.png"), Noise(10, 8));
            ImageFile.Write(Path.Combine(hr, "nolr.png"), Noise(20, 16));
            ImageFile.Write(Path.Combine(hr, "mismatch.png"), Noise(20, 16));
            ImageFile.Write(Path.Combine(lr, "mismatchx2.png"), Noise(9, 8));
            ImageFile.Write(Path.Combine(hr, "oddsize.png"), Noise(21, 17)); // fine: mod-crop to 20×16
            ImageFile.Write(Path.Combine(lr, "oddsizex2.png"), Noise(10, 8));
            File.WriteAllText(Path.Combine(hr, "broken.png"), "not a png");
            ImageFile.Write(Path.Combine(lr, "brokenx2.png"), Noise(10, 8));

            var r = Bicubic(2, new DatasetSpec(root, Name: "Bad"), new DatasetSpec(Path.Combine(root, "missing")));
            var set = r.Datasets[0];
            Assert.Equal(["good", "oddsize"], set.Images.Select(i => i.Name));
            Assert.Equal(3, set.Skipped.Count);
            Assert.Contains("expected " + Path.Combine(lr, "nolrx2.png"), set.Skipped.Single(s => s.Name == "nolr").Reason);
            string mismatch = set.Skipped.Single(s => s.Name == "mismatch").Reason;
            Assert.Contains("mismatchx2.png is 9×8", mismatch);
            Assert.Contains("expects an HR of 18×16", mismatch);
            Assert.Contains("mismatch.png is 20×16", mismatch);
            Assert.Contains("broken.png", set.Skipped.Single(s => s.Name == "broken").Reason);
            Assert.Equal(3, r.SkippedCount);
            Assert.Contains(r.Problems, p => p.Contains("missing") && p.Contains("not found"));
            Assert.Empty(r.Datasets[1].Images);
            string report = EvaluationReport.ToConsole(r);
            Assert.Contains("Skipped: 3 image(s)", report);
            Assert.Contains("Sets not evaluated: 1", report);
            Assert.Contains("Bad/nolr:", report);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void WrongModelScale_IsRefusedWithBothScales()
    {
        var e = Assert.Throws<ArgumentException>(() => new EvaluationRunner(BaselineModels.MatlabBicubic(2), Options(RestorationTask.SuperResolution, 4)));
        Assert.Contains("bicubic is a ×2 model but scale 4", e.Message);
    }

    static int _calls;

    static Tensor NearestX2(Tensor x)
    {
        Interlocked.Increment(ref _calls);
        return x.repeat_interleave(2, 2).repeat_interleave(2, 3);
    }

    [Fact]
    public void Runner_WiresTilingAndSelfEnsemble()
    {
        string root = TestPaths.NewTempDir();
        try
        {
            var rng = new Random(2);
            var hr = new RasterImage(500, 240, 3, Enumerable.Range(0, 500 * 240 * 3).Select(_ => rng.Next(256) / 255f).ToArray());
            ImageFile.Write(Path.Combine(root, "big.png"), hr); // LR 250×120: official grid 1 row × 2 columns
            double Run(TestProcedure p, int expectedCalls, string? save = null)
            {
                _calls = 0;
                using var net = ModelDescriptor.ForFunction("nearest", NearestX2, 2, 3);
                var r = new EvaluationRunner(net, Options(RestorationTask.SuperResolution, 2, p, save)).Run([new DatasetSpec(root, Name: "T")]);
                Assert.Equal(expectedCalls, _calls);
                Assert.Contains(p.ToString(), r.ModelDescription);
                return Assert.Single(r.Datasets[0].Images).Psnr;
            }
            double whole = Run(new TestProcedure(TilingMode.None, false), 1);
            double tiled = Run(new TestProcedure(TilingMode.Official, false), 2);
            string save = Path.Combine(root, "out");
            double both = Run(new TestProcedure(TilingMode.Official, true), 16, save);
            // Nearest upsampling commutes with flips/transposes and is local: every procedure gives the same image.
            Assert.Equal(whole, tiled);
            Assert.Equal(whole, both, 9);
            var written = ImageFile.Read(Path.Combine(save, "T", "big.png"));
            Assert.Equal((500, 240), (written.Width, written.Height));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void DenoiseAndJpegBaselines_MeasureTheDegradedInput()
    {
        string set5 = Path.Combine(Set5, "LRBI", "x4"); // small clean images (≤ 128 px) keep this fast
        var dn = new EvaluationRunner(BaselineModels.Identity(ModelPurpose.Denoising, 3), Options(RestorationTask.Denoising, 25))
            .Run([new DatasetSpec(set5, Name: "Set5")]);
        // The official pipeline in numpy + OpenCV 4.6: gt = cvtColor(imread(f)/255., BGR2RGB); lq = gt.copy();
        // np.random.seed(0); lq += np.random.normal(0, 25/255., lq.shape); out = (clip(lq, 0, 1)·255).round() as uint8;
        // PSNR(out, gt·255) on RGB, crop 0 — per image and mean:
        double[] official = [20.830404948779652, 21.066107403219032, 20.45520262666166, 21.10301768646156, 20.780674978143573];
        Assert.Equal(official.Length, dn.Datasets[0].Images.Count);
        for (int i = 0; i < official.Length; i++) Assert.Equal(official[i], dn.Datasets[0].Images[i].Psnr, 1e-9);
        Assert.Equal(new MetricProtocol(0, false), dn.Metric);

        var car = new EvaluationRunner(BaselineModels.Identity(ModelPurpose.JpegArtifactRemoval, 1), Options(RestorationTask.JpegArtifactRemoval, 10))
            .Run([new DatasetSpec(set5, Name: "Set5")]);
        // OpenCV 4.6: g = imread(f, IMREAD_GRAYSCALE); d = imdecode(imencode('.jpg', g, [IMWRITE_JPEG_QUALITY, 10]), 0); PSNR(d, g)
        double[] opencv = [27.06832135380917, 24.649641285667016, 20.41990298670269, 28.585877855712447, 23.909961369418532];
        for (int i = 0; i < opencv.Length; i++) Assert.Equal(opencv[i], car.Datasets[0].Images[i].Psnr, 1e-9);
        Assert.Contains("libjpeg", car.Degradation);
    }
}
