using MambaIR.Models;
using MambaIR.Native;

namespace MambaIR.Tests.Models;

public class PresetTests
{
    public PresetTests() => TorchRuntime.EnsureInitialized();

    public static IEnumerable<object[]> PresetNames => MambaIRPresets.All.Select(p => new object[] { p.Name });

    [Theory]
    [MemberData(nameof(PresetNames))]
    public void BuiltModelHasThePublishedParameterCount(string name)
    {
        var preset = MambaIRPresets.Get(name);
        using var model = new MambaIRNet(preset.Config);
        long count = model.parameters().Sum(p => p.numel());
        Assert.Equal(preset.Parameters, count);
    }
}
