using MambaIR.Cli.Commands;
using MambaIR.Models;
using MambaIR.Native;

namespace MambaIR.Tests.Models;

public sealed class InfoCommandTests : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("mambair-info");
    public InfoCommandTests() => TorchRuntime.EnsureInitialized();
    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void DescribesADetectedPreset()
    {
        string path = TinyModels.WritePth(MambaIRPresets.Get("light-x3").Config, dir);
        using var loaded = ModelLoader.Load(path);
        string text = InfoCommand.Describe(loaded);
        Assert.Contains("variant:         MambaIR v1, lightweight SR ×3 (pixelshuffledirect head)", text);
        Assert.Contains("preset match:    light-x3", text);
        Assert.Contains("depths:          [6, 6, 6, 6]", text);
        Assert.Contains("d_state:         10", text);
        Assert.Contains("expand:          1.2 (mlp_ratio; SS2D width 72)", text);
        Assert.Contains("parameters:      913,131", text);
        Assert.Contains("param key:       params", text);
        Assert.Contains("dtype in file:   float32", text);
    }

    [Fact]
    public void DescribesAHistoricLightLayoutWithANote()
    {
        string path = TinyModels.WritePth(TinyModels.Light() with { Cab = CabLayout.LightMar2024 }, dir);
        using var loaded = ModelLoader.Load(path);
        string text = InfoCommand.Describe(loaded);
        Assert.Contains("CAB:             light, historic Mar 2024", text);
        Assert.Contains("note:            historic light-SR CAB layout of 2024-03-19..2024-10-15", text);
    }
}
