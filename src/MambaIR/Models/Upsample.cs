using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// The classic-SR upsampler (key <c>upsample</c>): for 2^n, n × [Conv3×3 F→4F, PixelShuffle(2)] (keys 0, 2, 4, ...);
/// for 3, [Conv3×3 F→9F, PixelShuffle(3)]. F = 64.
/// </summary>
public sealed class Upsample : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> steps = new();

    public Upsample(int scale, long numFeat) : base(nameof(Upsample))
    {
        if (scale >= 1 && (scale & (scale - 1)) == 0)
            for (int s = scale; s > 1; s /= 2) Add(2, numFeat);
        else if (scale == 3) Add(3, numFeat);
        else throw new ArgumentException($"upscale {scale} is not supported by upsampler 'pixelshuffle' (supported: 2^n and 3)");
    }

    void Add(int factor, long numFeat)
    {
        Register(nn.Conv2d(numFeat, factor * factor * numFeat, 3, padding: 1));
        Register(nn.PixelShuffle(factor));
    }

    void Register(nn.Module<Tensor, Tensor> m)
    {
        register_module(steps.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), m);
        steps.Add(m);
    }

    public override Tensor forward(Tensor x)
    {
        foreach (var m in steps) x = m.forward(x);
        return x;
    }
}
