using MambaIR.Checkpoints;
using MambaIR.Models;
using MambaIR.Models.UNet;
using MambaIR.Models.V2;
using MambaIR.Native;

namespace MambaIR.Tests.Models;

/// <summary>Family dispatch and detection of MambaIRv2 / MambaIRv2-light / U-Net configs from keys and shapes alone.</summary>
public class NetworkDetectionTests
{
    public NetworkDetectionTests() => TorchRuntime.EnsureInitialized();

    static INetworkConfig RoundTrip(INetworkConfig config)
    {
        using var model = config.CreateNetwork();
        return ConfigDetector.DetectNetwork(model.state_dict());
    }

    [Theory]
    [MemberData(nameof(PresetTests.AllPresetNames), MemberType = typeof(PresetTests))]
    public void DetectsEveryPresetOfEveryFamily(string name)
    {
        var preset = NetworkPresets.Get(name);
        var detected = RoundTrip(preset.Config);
        Assert.Equal(preset.Config.Architecture, detected.Architecture);
        Assert.Equal(preset.Config, detected);
        Assert.Same(preset, NetworkPresets.Match(detected));
    }

    public static IEnumerable<object[]> Variants()
    {
        yield return new object[] { "v2 x2", TinyModels.V2() };
        yield return new object[] { "v2 x3 grey", TinyModels.V2(3) with { InChans = 1 } };
        yield return new object[] { "v2 x8", TinyModels.V2(8) };
        yield return new object[] { "v2 nearest+conv x4", TinyModels.V2(4) with { Upsampler = Upsampler.NearestConv } };
        yield return new object[] { "v2 pixelshuffledirect x5", TinyModels.V2(5) with { Upsampler = Upsampler.PixelShuffleDirect } };
        yield return new object[] { "v2 denoise", TinyModels.V2() with { Upsampler = Upsampler.None, Upscale = 1 } };
        yield return new object[] { "v2 no qkv bias", TinyModels.V2() with { QkvBias = false } };
        yield return new object[] { "v2 no patch norm", TinyModels.V2() with { PatchNorm = false } };
        yield return new object[] { "v2 3conv", TinyModels.V2() with { ResiConnection = ResiConnection.ThreeConv } };
        yield return new object[] { "v2 window 4, kernel 5, mlp 1.5", TinyModels.V2() with { WindowSize = 4, ConvFfnKernelSize = 5, MlpRatio = 1.5 } };
        yield return new object[] { "v2-light x2", TinyModels.V2Light() };
        yield return new object[] { "v2-light x3, two groups", TinyModels.V2Light(3) with { Depths = [1, 3], NumHeads = [6, 2] } };
        yield return new object[] { "unet", TinyModels.UNet() };
        yield return new object[] { "unet with bias, mlp 2, no refinement", TinyModels.UNet() with { Bias = true, MlpRatio = 2.0, NumRefinementBlocks = 0 } };
        yield return new object[] { "unet dual pixel", TinyModels.UNet() with { DualPixelTask = true, InpChannels = 6 } };
        yield return new object[] { "unet grey", TinyModels.UNet() with { InpChannels = 1, OutChannels = 1, NumBlocks = [0, 1, 2, 0] } };
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void DetectsEveryHyperParameter(string what, INetworkConfig config)
    {
        var detected = RoundTrip(config);
        Assert.True(config.Equals(detected), $"{what}: built {config}, detected {detected}");
    }

    [Fact]
    public void TheLightNetworkIgnoresTheConvFfnKernel()
    {
        // MambaIRv2Light has no ConvFFN: its option files carry convffn_kernel_size, its weights cannot show it.
        var config = TinyModels.V2Light() with { ConvFfnKernelSize = 3 };
        Assert.Equal(config, RoundTrip(config));
        Assert.Equal(config, config with { ConvFfnKernelSize = 7 });
        Assert.NotEqual(TinyModels.V2(), TinyModels.V2() with { ConvFfnKernelSize = 7 });
    }

    [Fact]
    public void FamiliesAreToldApartByTheirKeys()
    {
        using var v1 = new MambaIRNet(TinyModels.Light());
        using var v2 = new MambaIRv2Net(TinyModels.V2());
        using var light = new MambaIRv2Net(TinyModels.V2Light());
        using var unet = new MambaIRUNet(TinyModels.UNet());
        Assert.Equal(NetworkArchitecture.MambaIR, ConfigDetector.Family(StateDictLayout.Of(v1)));
        Assert.Equal(NetworkArchitecture.MambaIRv2, ConfigDetector.Family(StateDictLayout.Of(v2)));
        Assert.Equal(NetworkArchitecture.MambaIRv2Light, ConfigDetector.Family(StateDictLayout.Of(light)));
        Assert.Equal(NetworkArchitecture.MambaIRUNet, ConfigDetector.Family(StateDictLayout.Of(unet)));
        // The v1 detector keeps its behaviour and points to the family dispatch.
        var e = Assert.Throws<InvalidDataException>(() => ConfigDetector.Detect(StateDictLayout.Of(v2)));
        Assert.Contains("not a MambaIR v1 state dict", e.Message);
        Assert.Contains("MambaIRv2", e.Message);
    }

    [Fact]
    public void MissingAndExtraV2KeysAreListed()
    {
        using var model = new MambaIRv2Net(TinyModels.V2());
        var shapes = StateDictLayout.Of(model).ToDictionary(kv => kv.Key, kv => kv.Value);
        shapes.Remove("relative_position_index_SA");
        shapes["layers.0.residual_group.layers.1.assm.extra.weight"] = [3];
        var e = Assert.Throws<InvalidDataException>(() => ConfigDetector.DetectNetwork(shapes));
        Assert.Contains("state dict looks like MambaIRv2", e.Message);
        Assert.Contains("missing keys (1): relative_position_index_SA", e.Message);
        Assert.Contains("unexpected keys (1): layers.0.residual_group.layers.1.assm.extra.weight", e.Message);
    }

    [Fact]
    public void AWindowSizeThatDisagreesWithTheIndexBufferIsReported()
    {
        using var model = new MambaIRv2Net(TinyModels.V2());
        var shapes = StateDictLayout.Of(model).ToDictionary(kv => kv.Key, kv => kv.Value);
        shapes["relative_position_index_SA"] = [256, 256];
        var e = Assert.Throws<InvalidDataException>(() => ConfigDetector.DetectNetwork(shapes));
        Assert.Contains("relative_position_index_SA has shape (256, 256) but the bias tables say window_size 8", e.Message);
    }

    [Fact]
    public void AUNetWithAnotherStateSizePerLevelIsReported()
    {
        // The first published U-Net code used d_state 4·2^level; the released weights and current code use 16 everywhere.
        using var model = new MambaIRUNet(TinyModels.UNet() with { DState = 16 });
        var shapes = StateDictLayout.Of(model).ToDictionary(kv => kv.Key, kv => kv.Value);
        shapes["latent.0.self_attention.A_logs"] = [4 * 360, 32];
        var e = Assert.Throws<InvalidDataException>(() => ConfigDetector.DetectNetwork(shapes));
        Assert.Contains("state dict looks like MambaIRUNet", e.Message);
        Assert.Contains("shape mismatch for latent.0.self_attention.A_logs: expected (1440, 16), found (1440, 32)", e.Message);
    }

    [Theory]
    [InlineData("MambaIRv2", "{\"embed_dim\": 48, \"depths\": [2], \"num_heads\": [4], \"upsampler\": \"pixelshuffle\", \"img_size\": 64}")]
    [InlineData("MambaIRv2Light", "{\"embed_dim\": 48, \"depths\": [2], \"num_heads\": [4], \"mlp_ratio\": 1.0, \"upsampler\": \"pixelshuffledirect\", \"convffn_kernel_size\": 5}")]
    [InlineData("MambaIRUNet", "{\"dim\": 30, \"num_blocks\": [1, 1, 1, 1], \"bias\": false, \"drop_path_rate\": 0.1}")]
    public void KwargsRoundTrip(string arch, string json)
    {
        var architecture = NetworkConfigs.ParseArchitecture(arch);
        var config = NetworkConfigs.FromJson(architecture, System.Text.Json.JsonDocument.Parse(json).RootElement);
        Assert.Equal(architecture, config.Architecture);
        var again = NetworkConfigs.FromKwargs(architecture, config.ToKwargs().Select(kv => new KeyValuePair<string, object?>(kv.Key, kv.Value)));
        Assert.Equal(config, again);
    }

    [Theory]
    [InlineData("MambaIRv2", "{\"ape\": true}", "ape=True")]
    [InlineData("MambaIRv2", "{\"embed_dim\": 50, \"num_heads\": [4, 4, 4, 4]}", "num_heads must divide embed_dim 50")]
    [InlineData("MambaIRv2", "{\"depths\": [2, 2], \"num_heads\": [4]}", "num_heads needs one entry per group (2)")]
    [InlineData("MambaIRv2", "{\"upsampler\": \"nearest+conv\", \"upscale\": 2}", "'nearest+conv' supports only upscale 4")]
    [InlineData("MambaIRv2", "{\"window\": 8}", "unknown key 'window'")]
    [InlineData("MambaIRv2Light", "{\"type\": \"MambaIRv2\"}", "network type 'MambaIRv2' is not MambaIRv2Light")]
    [InlineData("MambaIRv2Light", "{\"embed_dim\": 48, \"mlp_ratio\": 1.0625}", "hidden width int(mlp_ratio·embed_dim) = 51")]
    [InlineData("MambaIRUNet", "{\"dim\": 31}", "dim must be even")]
    [InlineData("MambaIRUNet", "{\"num_blocks\": [1, 2, 3]}", "num_blocks must list 4 block counts")]
    [InlineData("MambaIRUNet", "{\"d_state\": 16}", "unknown key 'd_state'")]
    public void BadKwargsAreNamed(string arch, string json, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => NetworkConfigs.FromJson(NetworkConfigs.ParseArchitecture(arch), System.Text.Json.JsonDocument.Parse(json).RootElement));
        Assert.Contains(message, e.Message);
        Assert.StartsWith(arch + " config: ", e.Message);
    }

    [Fact]
    public void V1RejectsTheV2OnlyHead()
    {
        var e = Assert.Throws<ArgumentException>(() => (TinyModels.Light(4) with { Upsampler = Upsampler.NearestConv }).Validate());
        Assert.Contains("'nearest+conv' exists only in MambaIRv2", e.Message);
    }
}
