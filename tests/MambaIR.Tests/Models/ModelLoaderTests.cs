using MambaIR.Checkpoints;
using MambaIR.Models;
using MambaIR.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Tests.Models;

public sealed class ModelLoaderTests : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("mambair-loader");
    public ModelLoaderTests() => TorchRuntime.EnsureInitialized();
    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void LoadsDetectsAndDescribes()
    {
        string path = TinyModels.WritePth(TinyModels.Light(3), dir);
        using var loaded = ModelLoader.Load(path);
        Assert.Equal(TinyModels.Light(3), loaded.Config);
        Assert.False(loaded.Model!.training);
        Assert.Equal("custom", loaded.Architecture!.Variant);
        Assert.Equal(3, loaded.Architecture!.Scale);
        Assert.Equal("params", loaded.ParamKey);
        Assert.Equal(new[] { "Float32" }, loaded.FileDTypes);
        Assert.Equal(loaded.Model!.parameters().Sum(p => p.numel()), loaded.Architecture!.Parameters);
        using var y = loaded.Model!.forward(rand(1, 3, 5, 4));
        Assert.Equal(new long[] { 1, 3, 15, 12 }, y.shape);
    }

    [Fact]
    public void RecognisesAnOfficialPreset()
    {
        var preset = MambaIRPresets.Get("light-x2");
        string path = TinyModels.WritePth(preset.Config, dir);
        using var loaded = ModelLoader.Load(path);
        Assert.Equal("light-x2", loaded.Architecture!.Variant);
        Assert.Same(preset, loaded.Architecture!.Preset);
        Assert.Equal(preset.Parameters, loaded.Architecture!.Parameters);
        Assert.Equal(preset.Tasks, loaded.Architecture!.Tasks);
    }

    [Fact]
    public void InputOfAnotherDtypeIsAClearError()
    {
        using var model = new MambaIRNet(TinyModels.Light());
        var e = Assert.Throws<ArgumentException>(() => model.forward(rand(1, 3, 4, 4, dtype: ScalarType.Float64)));
        Assert.Contains("input is Float64", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.forward(rand(1, 1, 4, 4)));
        Assert.Contains("(batch, 3, height, width), got (1, 1, 4, 4)", e.Message);
    }

    [Fact]
    public void CopiesEveryWeightExactly()
    {
        string path = TinyModels.WritePth(TinyModels.Classic(), dir);
        using var sd = Checkpoint.Load(path);
        using var loaded = ModelLoader.Load(path, new ModelLoadOptions { DType = ScalarType.Float64 });
        foreach (var (k, v) in loaded.Model!.state_dict())
        {
            Assert.Equal(ScalarType.Float64, v.dtype);
            Assert.True(v.allclose(sd[k].to(ScalarType.Float64), rtol: 0, atol: 0), k);
        }
    }

    [Fact]
    public void ConvertsFloat16Checkpoints()
    {
        string path = TinyModels.WritePth(TinyModels.Light(), dir, sd => sd.To(ScalarType.Float16));
        using var sd = Checkpoint.Load(path);
        Assert.All(sd.Values, t => Assert.Equal(ScalarType.Float16, t.dtype));
        using var loaded = ModelLoader.Load(path);
        Assert.Equal(new[] { "Float16" }, loaded.FileDTypes);
        Assert.True(loaded.Model!.state_dict()["conv_first.weight"].allclose(sd["conv_first.weight"].to(ScalarType.Float32), rtol: 0, atol: 0));
    }

    [Fact]
    public void MissingKeyIsReportedWithTheFile()
    {
        string path = TinyModels.WritePth(TinyModels.Light(), dir, sd => sd.Take("layers.1.conv.bias")!.Dispose());
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("missing keys (1): layers.1.conv.bias", e.Message);
    }

    [Fact]
    public void UnexpectedKeyIsReported()
    {
        string path = TinyModels.WritePth(TinyModels.Light(), dir, sd => sd.Add("head.extra", zeros(2)));
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("unexpected keys (1): head.extra", e.Message);
    }

    [Fact]
    public void ShapeMismatchNamesKeyExpectedAndFound()
    {
        string path = TinyModels.WritePth(TinyModels.Light(), dir, sd =>
        {
            sd.Take("norm.weight")!.Dispose();
            sd.Add("norm.weight", ones(31));
        });
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("shape mismatch for norm.weight: expected (30), found (31)", e.Message);
    }

    [Fact]
    public void GivenConfigThatDoesNotFitIsReported()
    {
        string path = TinyModels.WritePth(TinyModels.Light(), dir);
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(path, new ModelLoadOptions { Config = TinyModels.Light() with { DState = 8 } }));
        Assert.Contains("shape mismatch for layers.0.residual_group.blocks.0.self_attention.A_logs: expected (144, 8), found (144, 4)", e.Message);
    }

    [Fact]
    public void NotAMambaIRCheckpointIsReported()
    {
        using var sd = new StateDict();
        sd.Add("features.0.weight", zeros(8, 3, 3, 3));
        sd.Add("classifier.weight", zeros(10, 8));
        string path = Path.Combine(dir, "other.pth");
        Checkpoint.SavePth(sd, path);
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not a MambaIR v1 state dict", e.Message);
        Assert.Contains("features.0.weight", e.Message);
    }

    [Fact]
    public void ForwardDoesNotLeakTensors()
    {
        using var model = new MambaIRNet(TinyModels.Classic());
        model.eval();
        using var x = rand(1, 3, 6, 5);
        using var _ = no_grad();
        using (model.forward(x)) { }
        long before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        for (int i = 0; i < 50; i++)
            using (model.forward(x)) { }
        long after = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        Assert.True(before > 0, "the live-tensor statistic counts nothing");
        Assert.Equal(before, after);
    }
}
