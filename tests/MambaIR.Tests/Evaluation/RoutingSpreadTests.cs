using System.CommandLine;
using System.Text.Json;
using MambaIR.Checkpoints;
using MambaIR.Cli;
using MambaIR.Cli.Commands;
using MambaIR.Evaluation;
using MambaIR.Imaging;
using MambaIR.Tests.Models;
using MambaIR.Tests.Training;
using static TorchSharp.torch;

namespace MambaIR.Tests.Evaluation;

/// <summary>The stochastic (Gumbel) routing from the command line: <c>--routing gumbel --seed N</c> reproduces a run,
/// <c>eval --spread K</c> reports the spread over K seeds as its definition says.</summary>
[Collection("torch")]
public class RoutingSpreadTests
{
    static int Eval(params string[] args) =>
        new RootCommand { new EvalCommand().Create() }.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });

    /// <summary>A tiny MambaIRv2-light ×2 with weights moved away from the initialisation (so the routing matters).</summary>
    static string WriteCheckpoint(string dir) => TinyModels.WritePth(TinyModels.V2Light(), dir, sd =>
    {
        using var g = new Generator(42);
        foreach (var k in sd.Keys.ToList())
            if (sd[k].is_floating_point()) sd[k].add_(randn(sd[k].shape, generator: g) * 0.1);
    }, "v2light.pth");

    static double MeanPsnr(string json)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        return doc.RootElement.GetProperty("datasets")[0].GetProperty("mean_psnr").GetDouble();
    }

    [Fact]
    public void Spread_IsTheStatisticsOfTheSeededRuns_AndEachSeedReproduces()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string ckpt = WriteCheckpoint(dir);
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "set"), count: 2, width: 36, height: 28);
            string spreadJson = Path.Combine(dir, "spread.json");
            Assert.Equal(0, Eval("eval", "--model", ckpt, "--dataset", hr + ":Tiny", "--spread", "4", "--seed", "5", "--tile", "none", "--json", spreadJson, "--quiet", "--device", "cpu"));
            using var doc = JsonDocument.Parse(File.ReadAllText(spreadJson));
            Assert.Equal("mambair-routing-spread/1", doc.RootElement.GetProperty("schema").GetString());
            Assert.Equal(new long[] { 5, 6, 7, 8 }, doc.RootElement.GetProperty("seeds").EnumerateArray().Select(e => e.GetInt64()));
            var set = doc.RootElement.GetProperty("datasets")[0];
            var psnr = set.GetProperty("gumbel").GetProperty("psnr").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(4, psnr.Length);
            // The statistics by their definitions, from the per-seed values.
            var sorted = psnr.OrderBy(v => v).ToArray();
            double mean = psnr.Average();
            var s = set.GetProperty("psnr_spread");
            Assert.Equal(sorted[0], s.GetProperty("min").GetDouble());
            Assert.Equal(sorted[3], s.GetProperty("max").GetDouble());
            Assert.Equal((sorted[1] + sorted[2]) / 2, s.GetProperty("median").GetDouble(), 12);
            Assert.Equal(Math.Sqrt(psnr.Sum(v => (v - mean) * (v - mean)) / 3), s.GetProperty("std").GetDouble(), 12);
            Assert.True(sorted[3] > sorted[0], "different seeds route differently");

            // A single evaluation with one of the seeds, and one with the deterministic routing, give the same numbers.
            string one = Path.Combine(dir, "one.json"), det = Path.Combine(dir, "det.json");
            Assert.Equal(0, Eval("eval", "--model", ckpt, "--dataset", hr + ":Tiny", "--routing", "gumbel", "--seed", "7", "--tile", "none", "--json", one, "--quiet", "--device", "cpu"));
            Assert.Equal(psnr[2], MeanPsnr(one));
            Assert.Equal(0, Eval("eval", "--model", ckpt, "--dataset", hr + ":Tiny", "--tile", "none", "--json", det, "--quiet", "--device", "cpu"));
            Assert.Equal(set.GetProperty("deterministic").GetProperty("psnr").GetDouble(), MeanPsnr(det));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void RoutingOptions_RejectWhatCannotBeHonoured()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string ckpt = WriteCheckpoint(dir);
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "set"), count: 1, width: 16, height: 16);
            var e = Assert.Throws<ArgumentException>(() => Eval("eval", "--model", ckpt, "--dataset", hr, "--seed", "3", "--quiet"));
            Assert.Contains("--routing gumbel", e.Message);
            e = Assert.Throws<ArgumentException>(() => Eval("eval", "--model", "bicubic", "--scale", "2", "--dataset", hr, "--routing", "gumbel", "--quiet"));
            Assert.Contains("no routing", e.Message);
            e = Assert.Throws<ArgumentException>(() => Eval("eval", "--model", Path.Combine(TestPaths.RefVec, "v1_light_x3.pth"), "--dataset", hr, "--spread", "3", "--quiet"));
            Assert.Contains("MambaIR v1", e.Message);
            e = Assert.Throws<ArgumentException>(() => Eval("eval", "--model", ckpt, "--dataset", hr, "--spread", "3", "--routing", "gumbel", "--quiet"));
            Assert.Contains("--spread", e.Message);
            Assert.Throws<ArgumentException>(() => SpreadStatistics.Of([]));
            Assert.True(double.IsNaN(SpreadStatistics.Of([1.0]).Std));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task Restore_WithAGumbelSeed_Reproduces()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string ckpt = WriteCheckpoint(dir);
            string input = TrainingTestData.MakeHrFolder(Path.Combine(dir, "in"), count: 1, width: 20, height: 18);
            async Task<float[]> Restore(string outName, params string[] routing)
            {
                var root = new RootCommand { new RestoreCommand().Create() };
                string output = Path.Combine(dir, outName);
                int rc = await CliRunner.InvokeAsync(root, ["restore", input, "-m", ckpt, "-o", output, "--tile", "none", "--suffix", "", "-q", "--device", "cpu", .. routing]);
                Assert.Equal(0, rc);
                return ImageFile.Read(Directory.GetFiles(output).Single()).Pixels;
            }
            var a = await Restore("a", "--routing", "gumbel", "--seed", "3");
            var b = await Restore("b", "--routing", "gumbel", "--seed", "3");
            var d = await Restore("d");
            Assert.Equal(a, b);
            Assert.NotEqual(a, d);
        }
        finally { Directory.Delete(dir, true); }
    }
}
