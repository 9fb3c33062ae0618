using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// ASTER's residual block (<c>AsterBlock</c>): 1×1 conv (strided) + BN + ReLU, 3×3 conv + BN, plus the identity or the
/// <c>downsample</c> branch (1×1 conv + BN), then ReLU. Convolutions have no bias.
/// </summary>
public sealed class AsterBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly Conv2d conv1, conv2;
    readonly BatchNorm2d bn1, bn2;
    readonly ReLU relu;
    readonly Sequential? downsample;
#pragma warning restore IDE1006

    /// <summary>Creates <c>AsterBlock(inplanes, planes, stride, downsample)</c>.</summary>
    public AsterBlock(long inPlanes, long planes, (long, long) stride, Sequential? downsample) : base(nameof(AsterBlock))
    {
        conv1 = nn.Conv2d(inPlanes, planes, (1, 1), stride: stride, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        relu = nn.ReLU();
        conv2 = nn.Conv2d(planes, planes, (3, 3), stride: (1, 1), padding: (1, 1), bias: false);
        bn2 = nn.BatchNorm2d(planes);
        this.downsample = downsample;
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var output = bn2.call(conv2.call(relu.call(bn1.call(conv1.call(x)))));
        var residual = downsample is null ? x : downsample.call(x);
        return relu.call(output + residual).MoveToOuterDisposeScope();
    }
}
