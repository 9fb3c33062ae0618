using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>The lightweight-SR upsampler (key <c>upsample</c>): Conv3×3 C→s²·Cout (key 0), then PixelShuffle(s). Any s ≥ 1.</summary>
public sealed class UpsampleOneStep : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly PixelShuffle shuffle;

    public UpsampleOneStep(int scale, long numFeat, long outChannels) : base(nameof(UpsampleOneStep))
    {
        conv = nn.Conv2d(numFeat, (long)scale * scale * outChannels, 3, padding: 1);
        shuffle = nn.PixelShuffle(scale);
        register_module("0", conv);
        register_module("1", shuffle);
    }

    public override Tensor forward(Tensor x) => shuffle.forward(conv.forward(x));
}
