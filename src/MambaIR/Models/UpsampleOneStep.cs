using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>The lightweight-SR upsampler (key <c>upsample</c>): Conv3×3 C→s²·Cout (key 0), then PixelShuffle(s). Any s ≥ 1.</summary>
public sealed class UpsampleOneStep : nn.Module<Tensor, Tensor>
{
    // Registered by index ("0", "1") as in the official nn.Sequential subclass; not as named fields.
    private readonly nn.Module<Tensor, Tensor>[] steps;

    public UpsampleOneStep(int scale, long numFeat, long outChannels) : base(nameof(UpsampleOneStep))
    {
        steps = new nn.Module<Tensor, Tensor>[] { nn.Conv2d(numFeat, (long)scale * scale * outChannels, 3, padding: 1), nn.PixelShuffle(scale) };
        for (int i = 0; i < steps.Length; i++) register_module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), steps[i]);
    }

    public override Tensor forward(Tensor x) => steps[1].forward(steps[0].forward(x));
}
