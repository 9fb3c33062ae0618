using MambaIR.Checkpoints;
using MambaIR.Models;
using MambaIR.Models.UNet;
using MambaIR.Models.V2;
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

    /// <summary>A small MambaIRv2 (ConvFFN): two groups (2 and 1 layers, so one shifted layer), window 8.</summary>
    public static MambaIRv2Config V2(int scale = 2) => new()
    {
        Upscale = scale, InChans = 3, EmbedDim = 24, DState = 4, Depths = [2, 1], NumHeads = [2, 3], WindowSize = 8,
        InnerRank = 4, NumTokens = 6, ConvFfnKernelSize = 3, MlpRatio = 2.0, Upsampler = Upsampler.PixelShuffle,
    };

    /// <summary>A small MambaIRv2-light (GatedMLP), window 8.</summary>
    public static MambaIRv2Config V2Light(int scale = 2) => V2(scale) with { Light = true, Depths = [2], NumHeads = [4], MlpRatio = 1.0, Upsampler = Upsampler.PixelShuffleDirect };

    /// <summary>A small U-Net: dim 30, one block at levels 1 and 4, none at levels 2 and 3, one refinement block.</summary>
    public static MambaIRUNetConfig UNet() => new() { Dim = 30, NumBlocks = [1, 0, 0, 1], NumRefinementBlocks = 1, MlpRatio = 1.5, DState = 4 };

    /// <summary>Writes the state dict of a freshly built model as a BasicSR-style .pth ({'params': ...}); <paramref name="edit"/> may change it first.</summary>
    public static string WritePth(INetworkConfig config, string dir, Action<StateDict>? edit = null, string file = "model.pth")
    {
        using var model = config.CreateNetwork();
        using var sd = new StateDict();
        foreach (var (k, v) in model.state_dict()) sd.Add(k, v.detach().clone());
        edit?.Invoke(sd);
        string path = Path.Combine(dir, file);
        Checkpoint.SavePth(sd, path);
        return path;
    }
}
