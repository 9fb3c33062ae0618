using MambaIR.Checkpoints;
using MambaIR.Models;
using MambaIR.Native;

namespace MambaIR.Tests.Models;

public class ConfigDetectorTests
{
    public ConfigDetectorTests() => TorchRuntime.EnsureInitialized();

    static MambaIRConfig RoundTrip(MambaIRConfig config)
    {
        using var model = new MambaIRNet(config);
        return ConfigDetector.Detect(model.state_dict());
    }

    [Theory]
    [MemberData(nameof(PresetTests.PresetNames), MemberType = typeof(PresetTests))]
    public void DetectsEveryPreset(string name)
    {
        var preset = MambaIRPresets.Get(name);
        var detected = RoundTrip(preset.Config);
        Assert.Equal(preset.Config, detected);
        Assert.Same(preset, MambaIRPresets.Match(detected));
    }

    public static IEnumerable<object[]> Variants()
    {
        yield return new object[] { "classic x8", TinyModels.Classic(8) };
        yield return new object[] { "classic x1", TinyModels.Classic(1) };
        yield return new object[] { "classic x3", TinyModels.Classic(3) };
        yield return new object[] { "direct x5 grey", TinyModels.Light(5) with { InChans = 1 } };
        yield return new object[] { "denoise 4 channels", TinyModels.Light() with { Upsampler = Upsampler.None, Upscale = 1, InChans = 4 } };
        yield return new object[] { "3conv", TinyModels.Classic() with { ResiConnection = ResiConnection.ThreeConv } };
        yield return new object[] { "no patch norm", TinyModels.Light() with { PatchNorm = false } };
        yield return new object[] { "expand 1.5", TinyModels.Light() with { MlpRatio = 1.5, DState = 16 } };
        yield return new object[] { "light Mar 2024", TinyModels.Light() with { Cab = CabLayout.LightMar2024, MlpRatio = 1.5 } };
        yield return new object[] { "light Feb 2024", TinyModels.Light() with { Cab = CabLayout.LightFeb2024 } };
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void DetectsEveryHyperParameter(string what, MambaIRConfig config)
    {
        var detected = RoundTrip(config);
        Assert.True(config.Equals(detected), $"{what}: built {config}, detected {detected}");
        Assert.Equal(config.CabLayout, detected.CabLayout);
    }

    [Fact]
    public void ExpandRatioIsTheShortDecimal()
    {
        var detected = RoundTrip(MambaIRPresets.Get("color-dn").Config);
        Assert.Equal(1.2, detected.MlpRatio);
        Assert.Equal(216, detected.DInner);
    }

    [Fact]
    public void RejectsOtherArchitecturesNamingWhatIsMissing()
    {
        var shapes = new Dictionary<string, long[]>
        {
            ["conv_first.weight"] = new long[] { 48, 3, 3, 3 },
            ["layers.0.residual_group.layers.0.assm.embeddingA.weight"] = new long[] { 64, 16 },
        };
        var e = Assert.Throws<InvalidDataException>(() => ConfigDetector.Detect(shapes));
        Assert.Contains("not a MambaIR v1 state dict", e.Message);
        Assert.Contains("self_attention.A_logs", e.Message);
        Assert.Contains("MambaIRv2", e.Message);
    }

    [Fact]
    public void ListsKeysThatNoConfigExplains()
    {
        using var model = new MambaIRNet(TinyModels.Light());
        var shapes = StateDictLayout.Of(model).ToDictionary(kv => kv.Key, kv => kv.Value);
        shapes.Remove("norm.bias");
        shapes["extra.weight"] = new long[] { 3 };
        var e = Assert.Throws<InvalidDataException>(() => ConfigDetector.Detect(shapes));
        Assert.Contains("missing keys (1): norm.bias", e.Message);
        Assert.Contains("unexpected keys (1): extra.weight", e.Message);
    }
}
