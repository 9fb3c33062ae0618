using MambaIR.Checkpoints;
using MambaIR.Cli.Commands;
using MambaIR.Models;
using MambaIR.Models.UNet;
using MambaIR.Models.V2;
using MambaIR.Native;
using static TorchSharp.torch;

namespace MambaIR.Tests.Models;

/// <summary>MambaIRv2, MambaIRv2-light and U-Net checkpoints through the loader, the factory, the descriptor and <c>mambair info</c>.</summary>
public sealed class FamilyLoadingTests : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("mambair-families");
    public FamilyLoadingTests() => TorchRuntime.EnsureInitialized();
    public void Dispose() => Directory.Delete(dir, recursive: true);

    static string RefVecV2(string file) => Path.Combine(TestPaths.Shared, "refvec-v2", file);

    [Theory]
    [InlineData("v2_classic_x2.pth", NetworkArchitecture.MambaIRv2, ModelPurpose.SuperResolution, 2)]
    [InlineData("v2_light_x2.pth", NetworkArchitecture.MambaIRv2Light, ModelPurpose.SuperResolution, 2)]
    [InlineData("unet_realdn.pth", NetworkArchitecture.MambaIRUNet, ModelPurpose.Denoising, 1)]
    public void OfficialFilesLoadWithoutAConfig(string file, NetworkArchitecture architecture, ModelPurpose purpose, int scale)
    {
        using var loaded = ModelLoader.Load(RefVecV2(file));
        Assert.Equal(architecture, loaded.Network!.Architecture);
        Assert.Equal(architecture, loaded.Architecture!.Architecture);
        Assert.Null(loaded.Config);   // the v1 view is only for v1 networks
        Assert.Equal(purpose, loaded.Purpose);
        Assert.Equal(scale, loaded.Scale);
        Assert.Equal(3, loaded.InputChannels);
        Assert.Equal(3, loaded.OutputChannels);
        Assert.False(loaded.Model!.training);
        Assert.Equal("params", loaded.ParamKey);
        Assert.Equal("custom", loaded.Architecture.Variant);
        Assert.StartsWith(architecture.ToString() + " custom (", loaded.Summary);
        using var scope = NewDisposeScope();
        var y = loaded.Run(rand(1, 3, 11, 7));
        Assert.Equal(new long[] { 1, 3, 11 * scale, 7 * scale }, y.shape);
    }

    [Fact]
    public void WeightsThatDoNotFitTheGivenV2ConfigAreListed()
    {
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(RefVecV2("v2_light_x2.pth"),
            new ModelLoadOptions { Config = TinyModels.V2Light() }));
        Assert.Contains("v2_light_x2.pth", e.Message);
        Assert.Contains("weights do not match MambaIRv2-light", e.Message);
        Assert.Contains("shape mismatch for relative_position_index_SA: expected (64, 64), found (256, 256)", e.Message);
    }

    [Fact]
    public void RoutingIsAnOptionOfTheLoaderAndTheFactory()
    {
        string path = TinyModels.WritePth(TinyModels.V2(), dir);
        using var deterministic = ModelLoader.Load(path);
        Assert.Equal(MambaIRv2Routing.Deterministic, ((MambaIRv2Net)deterministic.Model!).Routing);
        using var gumbel = ModelFactory.Create(path, new ModelRequest { Routing = MambaIRv2Routing.Gumbel(3) });
        Assert.Equal(MambaIRv2Routing.Gumbel(3), ((MambaIRv2Net)gumbel.Model!).Routing);
    }

    [Theory]
    [InlineData("v2-light-x2", 774_092, 2)]
    [InlineData("v2-b-x4", 23_050_713, 4)]
    [InlineData("unet-realdn", 26_779_480, 1)]
    public void PresetsOfEveryFamilyAreUntrainedModels(string name, long parameters, int scale)
    {
        using var m = ModelFactory.Create(name);
        Assert.True(m.Untrained);
        Assert.Equal(parameters, m.Architecture!.Parameters);
        Assert.Equal(name, m.Architecture.Variant);
        Assert.Equal(scale, m.Scale);
        Assert.Contains(name, ModelFactory.Names);
    }

    [Fact]
    public void InfoDescribesAV2Checkpoint()
    {
        string path = TinyModels.WritePth(MambaIRv2Presets.All.Single(p => p.Name == "v2-light-x3").Config, dir);
        using var loaded = ModelLoader.Load(path);
        string text = InfoCommand.Describe(loaded);
        Assert.Contains("variant:         MambaIRv2-light lightweight SR ×3 (pixelshuffledirect head)", text);
        Assert.Contains("preset match:    v2-light-x3", text);
        Assert.Contains("depths:          [5, 5, 5, 5]", text);
        Assert.Contains("num_heads:       [4, 4, 4, 4] (head width 12)", text);
        Assert.Contains("window_size:     16", text);
        Assert.Contains("inner_rank:      32", text);
        Assert.Contains("num_tokens:      64 (router hidden width 16)", text);
        Assert.Contains("mlp_ratio:       1 (FFN and ASSM width 48, dt rank 3)", text);
        Assert.Contains("FFN:             GatedMLP", text);
        Assert.Contains("parameters:      780,587", text);
        Assert.Contains("tasks:           mambairv2_lightSR_x3", text);
        Assert.Contains("note:            routing is deterministic here", text);
    }

    [Fact]
    public void InfoDescribesTheUNet()
    {
        using var loaded = ModelLoader.Load(RefVecV2("unet_realdn.pth"));
        string text = InfoCommand.Describe(loaded);
        Assert.Contains("purpose:         denoising", text);
        Assert.Contains("variant:         MambaIR U-Net, 4 levels (widths 30, 60, 120, 240), real-image denoising", text);
        Assert.Contains("num_blocks:      [1, 1, 1, 1]", text);
        Assert.Contains("refinement:      1 blocks", text);
        Assert.Contains("d_state:         16 (every level)", text);
        Assert.Contains("expand:          1.5 (mlp_ratio)", text);
        Assert.Contains("bias:            False", text);
        Assert.Contains("parameters:      2,882,165", text);
    }
}
