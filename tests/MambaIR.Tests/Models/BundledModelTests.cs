using MambaIR.Evaluation;
using MambaIR.Inference;
using MambaIR.Models;
using MambaIR.Models.Baselines;
using System.CommandLine;
using MambaIR.Cli;
using MambaIR.Cli.Commands;
using MambaIR.Imaging;

namespace MambaIR.Tests.Models;

/// <summary>
/// The bundled default models (assets/models, trained on BSDS400 on the GPU machine): they are the official light
/// architectures, load from the program's models/ folder, restore without --model, and beat MATLAB bicubic on Set5
/// (a test set they never saw) by a clear margin, measured with the BasicSR protocol against the HR images.
/// </summary>
[Collection("torch")]
public class BundledModelTests
{
    [Theory]
    [InlineData("mambair-light-x2", "light-x2", 2)]
    [InlineData("mambair-light-x4", "light-x4", 4)]
    public void BundledModelsAreTheOfficialLightArchitectures(string name, string preset, int scale)
    {
        Assert.Contains(name, BundledModels.Names);
        using var m = ModelFactory.Create(name);
        Assert.Equal(scale, m.Scale);
        Assert.Equal(NetworkPresets.Get(preset).Config, m.Network);
        Assert.False(m.Untrained);
        Assert.Equal(BundledModels.Find(name), m.Source);
    }

    [Theory]
    // Whole-image Set5 PSNR (Y, crop = scale) of the shipped models: ×2 36.76 dB (bicubic 33.67), ×4 see docs/BENCHMARKS.md.
    [InlineData("mambair-light-x2", 2, 2.8)]
    [InlineData("mambair-light-x4", 4, 1.0)]
    public void BundledModelsBeatBicubicOnSet5(string name, int scale, double marginDb)
    {
        var set = new DatasetSpec(Path.Combine(TestPaths.Benchmarks, "Set5"));
        var options = new EvaluationOptions(RestorationTask.SuperResolution, scale, new TestProcedure(TilingMode.None, false));
        using var model = ModelFactory.Create(name);
        double ours = new EvaluationRunner(model, options).Run([set]).Datasets[0].MeanPsnr;
        double bicubic = new EvaluationRunner(BaselineModels.MatlabBicubic(scale), options).Run([set]).Datasets[0].MeanPsnr;
        Assert.True(ours >= bicubic + marginDb, $"{name}: {ours:F3} dB on Set5, bicubic {bicubic:F3} dB");
    }

    [Theory]
    [InlineData(new string[0], 2, "mambair-light-x2")]
    [InlineData(new[] { "--scale", "4" }, 4, "mambair-light-x4")]
    public async Task RestoreWithoutAModelUsesTheBundledModelOfTheScale(string[] extra, int scale, string expectedName)
    {
        string dir = TestPaths.NewTempDir(), input = Path.Combine(dir, "photo.png"), output = Path.Combine(dir, "out");
        try
        {
            var rng = new Random(5);
            var px = new float[3 * 24 * 20];
            for (int i = 0; i < px.Length; i++) px[i] = rng.Next(256) / 255f;
            ImageFile.Write(input, new RasterImage(24, 20, 3, px, null, 8));
            var root = new RootCommand { new RestoreCommand().Create() };
            int code = await CliRunner.InvokeAsync(root, ["restore", input, "-o", output, "-q", .. extra]);
            Assert.Equal(0, code);
            var result = ImageFile.Read(Assert.Single(Directory.GetFiles(output)));
            Assert.Equal((24 * scale, 20 * scale), (result.Width, result.Height));
            Assert.Contains(expectedName, Path.GetFileName(Directory.GetFiles(output)[0]));
        }
        finally { Directory.Delete(dir, true); }
    }
}
