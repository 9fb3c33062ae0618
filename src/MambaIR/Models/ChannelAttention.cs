using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// RCAN channel attention: x ⊙ sigmoid(Conv1×1(ReLU(Conv1×1(GlobalAvgPool(x))))), squeezing C to C / squeeze
/// (integer division). Keys: <c>attention.1</c>, <c>attention.3</c> (indices 0, 2, 4 are pool, ReLU, sigmoid).
/// </summary>
public sealed class ChannelAttention : nn.Module<Tensor, Tensor>
{
    private readonly Sequential attention;

    public ChannelAttention(long numFeat, long squeezeFactor) : base(nameof(ChannelAttention))
    {
        long mid = numFeat / squeezeFactor;
        attention = nn.Sequential(
            ("0", nn.AdaptiveAvgPool2d(1)),
            ("1", nn.Conv2d(numFeat, mid, 1)),
            ("2", nn.ReLU()),
            ("3", nn.Conv2d(mid, numFeat, 1)),
            ("4", nn.Sigmoid()));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var weights = ModuleChain.Run(x, ModuleChain.Of(attention));
        return x * weights;
    }
}
