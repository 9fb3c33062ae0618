using MambaIR.Models.Baselines;
using MambaIR.Models;
using System.CommandLine;
using System.Text.Json;
using MambaIR.Cli.Commands;
using MambaIR.Imaging;
using MambaIR.Text;
using MambaIR.Text.Evaluation;
using MambaIR.Text.Recognizers;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Tests.Text;

[Collection("torch")]
public class TextZoomEvaluatorTests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("textzoom-eval");

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    /// <summary>Always reads "hello" and counts the images it saw.</summary>
    sealed class HelloRecognizer : ITextRecognizer
    {
        public int Seen;
        public string Name => "hello";
        public ScalarType DType => ScalarType.Float32;
        public IReadOnlyList<string> Recognize(Tensor srImages) { Seen += (int)srImages.shape[0]; return Enumerable.Repeat("hello", (int)srImages.shape[0]).ToArray(); }
        public void Dispose() { }
    }

    string Subset(string name, params string[] labels)
    {
        string path = Path.Combine(_dir, name);
        using var w = new TextZoomLmdbWriter(path);
        var rng = new Random(name.Length);
        foreach (var l in labels)
        {
            var hr = new byte[128 * 32 * 3]; rng.NextBytes(hr);
            var lr = new byte[64 * 16 * 3]; rng.NextBytes(lr);
            w.Add(l, new Rgb8Image(128, 32, hr).EncodePng(), new Rgb8Image(64, 16, lr).EncodePng());
        }
        return path;
    }

    [Fact]
    public void AccuracyPerSubsetWeightedAverageSkipsAndHrRow()
    {
        using var easy = TextZoomDataset.Open(Subset("easy", "Hello", "HELLO!", "world"));
        using var hard = TextZoomDataset.Open(Subset("hard", "hello", "nope", "x", "y", "héllo"));
        using var rec = new HelloRecognizer();
        using var bicubic = BaselineModels.TextZoomBicubic();
        var report = TextZoomEvaluator.Run([easy, hard], [bicubic], [rec], new TextZoomEvalOptions { BatchSize = 2 });

        Assert.Equal(["bicubic", "HR"], report.Rows.Select(r => r.Model));
        var row = report.Rows[0];
        Assert.Equal((3, 2), (row.Subsets[0].Samples, row.Subsets[0].Correct["hello"]));
        Assert.Equal((4, 1), (row.Subsets[1].Samples, row.Subsets[1].Correct["hello"]));
        Assert.Equal(3.0 / 7, row.Average.Accuracy("hello"), 12);
        Assert.Equal(7, row.Average.Samples);
        Assert.Equal("hard/000000005", Assert.Single(report.Skipped).SampleId);
        Assert.Equal(14, rec.Seen);                       // 7 images × (bicubic + HR)
        Assert.Null(report.Rows[1].Average.Psnr);          // no PSNR for the HR reference
        Assert.Equal(["hello"], report.NotComparableRecognizers);

        // PSNR: mean over batches of 2 in dataset order, then weighted by images over subsets.
        var expected = new List<double>();
        foreach (var ds in new[] { easy, hard })
        {
            var per = new List<double>();
            foreach (var b in ds.Batches(2)) using (b) using (var sr = bicubic.Run(b.Lq)) per.Add(TsrnMetrics.Psnr(sr, b.Gt));
            expected.Add(per.Average());
        }
        Assert.Equal(expected[0], row.Subsets[0].Psnr!.Value, 6);
        // BasicSR PSNR: per image on tensor2img-quantised RGB, mean over the subset's images.
        var basic = new List<double>();
        foreach (var b in easy.Batches(3)) using (b) using (var sr = bicubic.Run(b.Lq))
                for (int i = 0; i < b.Count; i++)
                {
                    var x = Rgb8Image.FromTensor(sr[i]); var y = Rgb8Image.FromTensor(b.Gt[i]);
                    basic.Add(MambaIR.Metrics.Psnr.Calculate(x.Pixels, y.Pixels, 128, 32, 3));
                }
        Assert.Equal(basic.Average(), row.Subsets[0].BasicSrPsnr!.Value, 9);
        Assert.InRange(row.Subsets[0].BasicSrSsim!.Value, -1, 1);
        Assert.Null(report.Rows[1].Average.BasicSrPsnr);
        Assert.Equal((expected[0] * 3 + expected[1] * 4) / 7, row.Average.Psnr!.Value, 6);

        string text = TextZoomReportFormatter.Format(report);
        Assert.Contains("NOT comparable", text);
        Assert.Contains("hard/000000005", text);
        using var json = JsonDocument.Parse(TextZoomReportJson.Serialize(report));
        Assert.Equal(2, json.RootElement.GetProperty("rows")[0].GetProperty("subsets")[0].GetProperty("correct").GetProperty("hello").GetInt32());
    }

    [Fact]
    public void MambaIRCheckpointRunsAsSrModelAndWrongScaleIsNamed()
    {
        string x2 = MambaIR.Tests.Models.TinyModels.WritePth(MambaIR.Tests.Models.TinyModels.Light(2), _dir, file: "tiny_x2.pth");
        string x3 = MambaIR.Tests.Models.TinyModels.WritePth(MambaIR.Tests.Models.TinyModels.Light(3), _dir, file: "tiny_x3.pth");
        using var m = ModelFactory.Create(x2, new ModelRequest { Purpose = ModelPurpose.TextSuperResolution });
        Assert.Equal("tiny_x2", m.Name);
        TextZoomEvaluator.Check(m);
        using var lq = torch.rand(1, 3, 16, 64);
        using var sr = m.Run(lq);
        Assert.Equal(new long[] { 1, 3, 32, 128 }, sr.shape);
        // Same network, same input → the evaluator gets exactly the network's forward output.
        using var loaded = MambaIR.Models.ModelLoader.Load(x2);
        using (torch.no_grad()) using (var direct = loaded.Model!.forward(lq)) Assert.True(direct.eq(sr).all().item<bool>());
        using var m3 = ModelFactory.Create(x3, new ModelRequest { Purpose = ModelPurpose.TextSuperResolution });
        var e = Assert.Throws<InvalidDataException>(() => TextZoomEvaluator.Check(m3));
        Assert.Contains("tiny_x3.pth", e.Message);
        Assert.Contains("nosuch.pth", Assert.Throws<FileNotFoundException>(() => ModelFactory.Create(Path.Combine(_dir, "nosuch.pth"))).Message);
    }

    [Fact]
    public void BicubicBaselineIsTorchBicubicAlignCorners()
    {
        using var lq = torch.rand(1, 3, 16, 64);
        using var m = ModelFactory.Create("bicubic", new ModelRequest { Purpose = ModelPurpose.TextSuperResolution });
        using var sr = m.Run(lq);
        Assert.Equal(new long[] { 1, 3, 32, 128 }, sr.shape);
        // align_corners=True keeps the corner samples exactly.
        Assert.Equal(lq[0, 1, 0, 0].item<float>(), sr[0, 1, 0, 0].item<float>(), 6);
        Assert.Equal(lq[0, 2, 15, 63].item<float>(), sr[0, 2, 31, 127].item<float>(), 6);
    }

    [Fact]
    public void PublishedAveragesAreSampleWeighted()
    {
        // Every verified accuracy row's average is the sample-weighted mean of its subsets (to rounding), except the two
        // rows annotated as inconsistent in the source.
        foreach (var r in PublishedTextZoomResults.Rows.Where(r => r.Verified && r.Metric is "crnn" or "moran" or "aster"))
        {
            bool consistent = Math.Abs((r.Easy * 1619 + r.Medium * 1411 + r.Hard * 1343) / 4373 - r.Average) < 0.06;
            Assert.True(consistent == (r.Note == null), $"{r.Method} {r.Metric}");
        }
        Assert.Equal(PublishedTextZoomResults.DefaultMethods, PublishedTextZoomResults.For("crnn").Select(r => r.Method));
        Assert.Equal(26.8, PublishedTextZoomResults.For("crnn", ["BICUBIC"]).Single().Average);
    }

    [Fact]
    public void RecognizersAreDiscoveredAndWrongCheckpointsNamed()
    {
        Assert.Equal(["aster", "crnn", "moran", "ppocr"], TextRecognizerRegistry.Providers.Select(p => p.Name));
        Assert.True(TextRecognizerRegistry.IsComparable("crnn"));
        Assert.False(TextRecognizerRegistry.IsComparable("ppocr"));
        // A CRNN-shaped state dict offered as ASTER.
        string path = Path.Combine(_dir, "crnn.safetensors");
        using (var t = torch.zeros(64, 1, 3, 3))
            MambaIR.Checkpoints.Checkpoint.SaveSafetensors(new Dictionary<string, Tensor> { ["cnn.conv0.weight"] = t }, path);
        var e = Assert.Throws<InvalidDataException>(() => TextRecognizerRegistry.Load("aster=" + path));
        Assert.Contains("crnn", e.Message);
        Assert.Contains(path, e.Message);
        // The reference CRNN checkpoint (random weights, official layout) loads as crnn and is refused as moran.
        string crnn = Path.Combine(TestPaths.RefVec, "recognizers", "crnn.pth");
        using (var r = TextRecognizerRegistry.Load("crnn=" + crnn))
        using (var img = torch.rand(2, 3, 32, 128))
            Assert.Equal(2, r.Recognize(img).Count);
        Assert.Contains("crnn.pth", Assert.Throws<InvalidDataException>(() => TextRecognizerRegistry.Load("moran=" + crnn)).Message);
    }

    [Fact]
    public void PackerWritesPairsAndNamesSkippedLines()
    {
        string hr = Directory.CreateDirectory(Path.Combine(_dir, "hr")).FullName, lr = Directory.CreateDirectory(Path.Combine(_dir, "lr")).FullName;
        var img = new Rgb8Image(4, 2, new byte[24]);
        foreach (var n in new[] { "a.png", "b.png", "c.png" }) File.WriteAllBytes(Path.Combine(hr, n), img.EncodePng());
        File.WriteAllBytes(Path.Combine(lr, "a.png"), img.EncodePng());
        File.WriteAllBytes(Path.Combine(lr, "c.png"), img.EncodeJpeg(90));
        File.WriteAllText(Path.Combine(_dir, "labels.txt"), "a.png\tFirst\nb.png\tSecond\n\nc.png Third word\n");
        var res = TextZoomFolderPacker.Pack(hr, lr, Path.Combine(_dir, "labels.txt"), Path.Combine(_dir, "packed"));
        Assert.Equal(2, res.Written);
        Assert.Contains("b.png", Assert.Single(res.Skipped));
        Assert.Contains("labels.txt:2", res.Skipped[0]);
        using var db = new TextZoomLmdb(Path.Combine(_dir, "packed"));
        Assert.Equal(("First", "Third word"), (db.Read(1).Label, db.Read(2).Label));
        Assert.Equal(File.ReadAllBytes(Path.Combine(lr, "c.png")), db.Read(2).LowRes);
    }

    [Fact]
    public void SubsetFolderResolvesEasyMediumHardFirst()
    {
        foreach (var n in new[] { "hard", "aaa", "easy", "medium" }) Subset(Path.Combine("test", n), "w");
        var found = TextZoomSubsets.Resolve([Path.Combine(_dir, "test")]).Select(Path.GetFileName);
        Assert.Equal(["easy", "medium", "hard", "aaa"], found);
        Assert.Contains("nothing-here", Assert.Throws<DirectoryNotFoundException>(() => TextZoomSubsets.Resolve([Path.Combine(_dir, "nothing-here")])).Message);
        string empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => TextZoomSubsets.Resolve([empty])).Message);
    }

    [Fact]
    public async Task CliGeneratesAndEvaluatesEndToEndWithPpOcr()
    {
        var root = new RootCommand { new TextZoomCommand().Create() };
        string data = Path.Combine(_dir, "synth");
        Assert.Equal(0, await MambaIR.Cli.CliRunner.InvokeAsync(root, ["textzoom", "generate", "--out", Path.Combine(data, "easy"), "--count", "6", "--seed", "1", "--difficulty", "easy"]));
        Assert.Equal(0, await MambaIR.Cli.CliRunner.InvokeAsync(root, ["textzoom", "generate", "--out", Path.Combine(data, "hard"), "--count", "6", "--seed", "2", "--difficulty", "hard"]));
        string json = Path.Combine(_dir, "r.json");
        Assert.Equal(0, await MambaIR.Cli.CliRunner.InvokeAsync(root, ["textzoom", "eval", "--data", data, "--recognizer", "ppocr", "--json", json]));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var rows = doc.RootElement.GetProperty("rows");
        Assert.Equal("bicubic", rows[0].GetProperty("model").GetString());
        Assert.Equal("HR", rows[1].GetProperty("model").GetString());
        Assert.Equal(12, rows[1].GetProperty("average").GetProperty("samples").GetInt32());
        Assert.True(rows[1].GetProperty("average").GetProperty("accuracy").GetProperty("ppocr").GetDouble() >= 0.75);
        Assert.Equal(2, await MambaIR.Cli.CliRunner.InvokeAsync(root, ["textzoom", "eval", "--data", Path.Combine(_dir, "missing"), "--recognizer", "ppocr"]));
    }
}
