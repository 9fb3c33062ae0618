using MambaIR.Models;
using MambaIR.Native;

namespace MambaIR.Tests.Models;

public class PresetTests
{
    public PresetTests() => TorchRuntime.EnsureInitialized();

    /// <summary>The v1 presets (other test classes build them with the v1 types).</summary>
    public static IEnumerable<object[]> PresetNames => MambaIRPresets.All.Select(p => new object[] { p.Name });

    /// <summary>Every preset of every family.</summary>
    public static IEnumerable<object[]> AllPresetNames => NetworkPresets.All.Select(p => new object[] { p.Name });

    [Theory]
    [MemberData(nameof(AllPresetNames))]
    public void BuiltModelHasThePublishedParameterCount(string name)
    {
        var preset = NetworkPresets.Get(name);
        using var model = preset.Config.CreateNetwork();
        long count = model.parameters().Sum(p => p.numel());
        Assert.Equal(preset.Parameters, count);
        // The paper rounds (and prints one figure per model size for all scales, e.g. 34.2M for v2-L): within 0.5 %.
        if (preset is NetworkPreset { PublishedMillions: { } published })
            Assert.True(Math.Abs(count / 1e6 - published) <= 0.005 * published, $"{name}: {count:N0} parameters vs published {published}M");
    }

    /// <summary>State-dict sizes the spec derives from the official code (§3.5: v2-B 1,683 tensors, v2-S 1,131,
    /// v2-L 2,517, v2-light 1,019, the relative_position_index_SA buffer included; §2.4: the U-Net 1,110).</summary>
    [Theory]
    [InlineData("v2-b-x2", 1683)]
    [InlineData("v2-s-x2", 1131)]
    [InlineData("v2-l-x2", 2517)]
    [InlineData("v2-light-x2", 1019)]
    [InlineData("unet-realdn", 1110)]
    public void StateDictHasTheSpecsTensorCount(string name, int tensors)
    {
        using var model = NetworkPresets.Get(name).Config.CreateNetwork();
        Assert.Equal(tensors, model.state_dict().Count);
    }

    [Fact]
    public void PresetNamesAreUniqueAndEveryPresetMatchesItself()
    {
        Assert.Equal(NetworkPresets.All.Count, NetworkPresets.All.Select(p => p.Name.ToLowerInvariant()).Distinct().Count());
        foreach (var p in NetworkPresets.All) Assert.Same(p, NetworkPresets.Match(p.Config));
    }
}
