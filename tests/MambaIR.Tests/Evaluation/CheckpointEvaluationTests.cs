using MambaIR.Models;
using MambaIR.Inference;
using System.CommandLine;
using System.Text.Json;
using MambaIR.Checkpoints;
using MambaIR.Cli.Commands;
using MambaIR.Evaluation;
using MambaIR.Imaging;
using static TorchSharp.torch;

namespace MambaIR.Tests.Evaluation;

/// <summary>The checkpoint path of `mambair eval`, with the small reference checkpoints of ../shared/refvec.</summary>
[Collection("torch")]
public class CheckpointEvaluationTests
{
    static string RefVec(string name) => Path.Combine(TestPaths.RefVec, name);

    static int Cli(params string[] args) =>
        new RootCommand { new EvalCommand().Create() }.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });

    /// <summary>A tiny set: top-left crops of Set5 images, named Set5 so the published rows show.</summary>
    static string TinySet5(int size, params string[] names)
    {
        string dir = Path.Combine(TestPaths.NewTempDir(), "Set5");
        foreach (var name in names)
        {
            var img = TestImageReader.Read(Path.Combine(TestPaths.Benchmarks, "Set5", "original", name + ".png"), 3);
            ImageFile.Write(Path.Combine(dir, name + ".png"), img.Crop(0, 0, size, size));
        }
        return dir;
    }

    [Fact]
    public void Restorer_ReproducesTheReferenceOutput()
    {
        using var io = SafeTensors.Read(RefVec("v1_light_x3.io.safetensors"));
        using var loaded = ModelFactory.Create(RefVec("v1_light_x3.pth"));
        Assert.Equal((3, 3, ModelPurpose.SuperResolution), (loaded.Scale, loaded.InputChannels, loaded.Purpose));
        Assert.Equal(["light"], PublishedResults.TablesFor(RestorationTask.SuperResolution, loaded));
        var restorer = new ImageRestorer(loaded, TilingPolicy.Official);
        using var input = io["input"].to(ScalarType.Float32);
        var image = new RasterImage((int)input.shape[3], (int)input.shape[2], 3, input.data<float>().ToArray());
        using var output = restorer.Restore(image).ToTensor();
        using var expected = io["output_f32"].to(ScalarType.Float32).clamp(0, 1); // restored images are clamped, as tensor2img does
        Assert.True(output.allclose(expected, rtol: 0, atol: 2e-5), $"max |diff| {(output - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void Cli_EvaluatesACheckpoint_AndRefusesTheWrongScale()
    {
        string set = TinySet5(24, "baby", "bird");
        try
        {
            string json = Path.Combine(Path.GetDirectoryName(set)!, "r.json");
            Assert.Equal(0, Cli("eval", "--model", RefVec("v1_light_x3.pth"), "--dataset", set, "--json", json, "--quiet", "--device", "cpu"));
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var root = doc.RootElement;
            Assert.Equal(3, root.GetProperty("scale").GetInt32()); // taken from the checkpoint
            Assert.Contains("parameters", root.GetProperty("model_description").GetString());
            var ds = root.GetProperty("datasets")[0];
            Assert.Equal(2, ds.GetProperty("results").GetArrayLength());
            Assert.Equal(24, ds.GetProperty("results")[0].GetProperty("width").GetInt32());
            Assert.All(ds.GetProperty("published").EnumerateArray(), p => Assert.Equal("light", p.GetProperty("table").GetString()));

            var e = Assert.Throws<ArgumentException>(() => Cli("eval", "--model", RefVec("v1_light_x3.pth"), "--scale", "4", "--dataset", set, "--quiet"));
            Assert.Contains("is a ×3 model but --scale 4", e.Message);
            e = Assert.Throws<ArgumentException>(() => Cli("eval", "--model", RefVec("v1_light_x3.pth"), "--task", "denoise", "--sigma", "15", "--dataset", set, "--quiet"));
            Assert.Contains("needs a ×1", e.Message);
        }
        finally { Directory.Delete(Path.GetDirectoryName(set)!, true); }
    }

    [Fact]
    public void GreyDenoiser_RunsOnGreyInputs()
    {
        string set = TinySet5(12, "bird");
        try
        {
            using var loaded = ModelFactory.Create(RefVec("v1_dn_gray.pth"), new ModelRequest { Purpose = ModelPurpose.Denoising });
            Assert.Empty(PublishedResults.TablesFor(RestorationTask.Denoising, loaded)); // grey denoising has no published MambaIR numbers
            var r = new EvaluationRunner(loaded, new EvaluationOptions(RestorationTask.Denoising, 15,
                new TestProcedure(TilingMode.None, false))).Run([new DatasetSpec(set)]);
            var image = Assert.Single(r.Datasets[0].Images);
            Assert.True(double.IsFinite(image.Psnr));
            Assert.Equal((12, 12), (image.Width, image.Height));
        }
        finally { Directory.Delete(Path.GetDirectoryName(set)!, true); }
    }
}
