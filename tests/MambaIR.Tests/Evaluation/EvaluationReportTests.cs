using System.Text.Json;
using MambaIR.Evaluation;

namespace MambaIR.Tests.Evaluation;

public class EvaluationReportTests
{
    static EvaluationResult Sample()
    {
        var set5 = new DatasetResult("Set5", "/b/Set5", "HR /b/Set5/HR + LR /b/Set5/LR, LR names '{}x4'",
        [
            new ImageResult("baby", "/b/Set5/HR/baby.png", "/b/Set5/LR/baby.png", 510, 510, 33.0, 0.90, 0.5),
            new ImageResult("bird, the", "/b/Set5/HR/bird.png", null, 288, 288, double.PositiveInfinity, 1.0, 0.25),
        ], [new SkippedImage("head", "missing low-resolution input for /b/Set5/HR/head.png: expected /b/Set5/LR/headx4.png")], 1.0);
        var mine = new DatasetResult("Mine", "/m", "", [], [], 0.1);
        return new EvaluationResult("net.pth", "MambaIR classic ×4", RestorationTask.SuperResolution, 4,
            new TestProcedure(TilingMode.Official, true), MetricProtocol.For(RestorationTask.SuperResolution, 4), "cpu", "given LR",
            ["classic"], [set5, mine], ["Other: dataset folder not found: /x"], 2.0);
    }

    [Fact]
    public void Json_FollowsTheDocumentedSchema()
    {
        using var doc = JsonDocument.Parse(EvaluationJson.Format(Sample()));
        var root = doc.RootElement;
        Assert.Equal("mambair-eval/1", root.GetProperty("schema").GetString());
        Assert.Equal("sr", root.GetProperty("task").GetString());
        Assert.Equal(4, root.GetProperty("scale").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("sigma").ValueKind);
        Assert.Equal("official", root.GetProperty("procedure").GetProperty("tiling").GetString());
        Assert.True(root.GetProperty("procedure").GetProperty("self_ensemble").GetBoolean());
        Assert.Equal(4, root.GetProperty("metric").GetProperty("crop_border").GetInt32());
        Assert.Equal(2, root.GetProperty("images").GetInt32());
        Assert.Equal(1, root.GetProperty("skipped").GetInt32());
        Assert.Equal(1.0, root.GetProperty("images_per_second").GetDouble());
        Assert.Single(root.GetProperty("problems").EnumerateArray());
        var set5 = root.GetProperty("datasets")[0];
        Assert.Equal(JsonValueKind.Null, set5.GetProperty("mean_psnr").ValueKind); // mean with an infinite PSNR
        Assert.Equal(0.95, set5.GetProperty("mean_ssim").GetDouble(), 12);
        var baby = set5.GetProperty("results")[0];
        Assert.Equal("baby", baby.GetProperty("image").GetString());
        Assert.Equal(33.0, baby.GetProperty("psnr").GetDouble());
        Assert.Equal(JsonValueKind.Null, set5.GetProperty("results")[1].GetProperty("input").ValueKind);
        Assert.Equal("head", set5.GetProperty("skipped_images")[0].GetProperty("image").GetString());
        var published = set5.GetProperty("published").EnumerateArray().ToList();
        Assert.Contains(published, p => p.GetProperty("method").GetString() == "MambaIR" && p.GetProperty("psnr").GetDouble() == 33.03);
        Assert.All(published, p => Assert.Equal("classic", p.GetProperty("table").GetString()));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("datasets")[1].GetProperty("mean_ssim").ValueKind);
    }

    [Fact]
    public void Csv_HasHeaderAndOneQuotedRowPerImage()
    {
        var lines = EvaluationCsv.Format(Sample()).TrimEnd('\n').Split('\n');
        Assert.Equal("dataset,image,width,height,psnr,ssim,seconds,ground_truth,input", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Equal("Set5,baby,510,510,33,0.9,0.5,/b/Set5/HR/baby.png,/b/Set5/LR/baby.png", lines[1]);
        Assert.Equal("Set5,\"bird, the\",288,288,inf,1,0.25,/b/Set5/HR/bird.png,", lines[2]);
    }

    [Fact]
    public void Tables_ShowPublishedNumbersAndSkips()
    {
        string md = EvaluationReport.ToMarkdown(Sample());
        Assert.Contains("| Dataset | Images | PSNR (dB) | SSIM | s/image | MambaIR (published) | MambaIR+ (published)", md);
        Assert.Contains("| Set5 | 2 (1 skipped) | inf | 0.9500 | 0.375 | 33.03 / 0.9046 | 31.13 / 0.9054 [1]", md);
        Assert.Contains("[1] MambaIR+, Set5 ×4: printed as 31.13", md);
        Assert.Contains("Set5/head: missing low-resolution input", md);
        Assert.Contains("Other: dataset folder not found", md);
        Assert.Contains("- Set5: HR /b/Set5/HR + LR /b/Set5/LR, LR names '{}x4'", md);
        string console = EvaluationReport.ToConsole(Sample());
        Assert.Contains("Set5", console);
        Assert.Contains("official tiling + self-ensemble ×8", console);
        Assert.DoesNotContain("|", console.Split('\n')[2]);
    }
}
