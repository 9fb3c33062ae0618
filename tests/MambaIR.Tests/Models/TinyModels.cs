using MambaIR.Checkpoints;
using MambaIR.Models;
using static TorchSharp.torch;

namespace MambaIR.Tests.Models;

/// <summary>Small configs and checkpoint files for fast tests.</summary>
static class TinyModels
{
    public static MambaIRConfig Light(int scale = 2) => new()
    {
        Upscale = scale, InChans = 3, EmbedDim = 30, Depths = new[] { 1, 2 }, DState = 4, MlpRatio = 1.2, Upsampler = Upsampler.PixelShuffleDirect,
    };

    public static MambaIRConfig Classic(int scale = 2) => Light(scale) with { Upsampler = Upsampler.PixelShuffle, MlpRatio = 2.0 };

    /// <summary>Writes the state dict of a freshly built model as a BasicSR-style .pth ({'params': ...}); <paramref name="edit"/> may change it first.</summary>
    public static string WritePth(MambaIRConfig config, string dir, Action<StateDict>? edit = null, string file = "model.pth")
    {
        using var model = new MambaIRNet(config);
        using var sd = new StateDict();
        foreach (var (k, v) in model.state_dict()) sd.Add(k, v.detach().clone());
        edit?.Invoke(sd);
        string path = Path.Combine(dir, file);
        Checkpoint.SavePth(sd, path);
        return path;
    }
}
