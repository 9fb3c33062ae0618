using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// MORAN ASRN's <c>Residual_block</c>: <c>relu(residual + conv2(conv1(x)))</c> where <c>conv1</c> and <c>conv2</c> are
/// convolution + batch norm without an activation in between (as in MORAN_v2). A strided block uses 3×3 convolutions
/// for <c>conv1</c> and the <c>downsample</c> branch; an unstrided one a 1×1 <c>conv1</c> and no downsample.
/// </summary>
public sealed class AsrnResidualBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly Sequential? downsample;
    readonly Sequential conv1;
    readonly Sequential conv2;
    readonly ReLU relu;
#pragma warning restore IDE1006

    /// <summary>Creates <c>Residual_block(c_in, c_out, stride)</c>; a stride with a height factor above 1 downsamples.</summary>
    public AsrnResidualBlock(long inChannels, long outChannels, (long H, long W) stride) : base(nameof(AsrnResidualBlock))
    {
        bool strided = stride.H > 1;
        if (strided)
        {
            downsample = nn.Sequential(
                ("0", nn.Conv2d(inChannels, outChannels, (3, 3), stride: stride, padding: (1, 1))),
                ("1", nn.BatchNorm2d(outChannels, momentum: 0.01)));
            conv1 = nn.Sequential(
                ("0", nn.Conv2d(inChannels, outChannels, (3, 3), stride: stride, padding: (1, 1))),
                ("1", nn.BatchNorm2d(outChannels, momentum: 0.01)));
        }
        else
        {
            conv1 = nn.Sequential(
                ("0", nn.Conv2d(inChannels, outChannels, (1, 1), stride: stride, padding: (0, 0))),
                ("1", nn.BatchNorm2d(outChannels, momentum: 0.01)));
        }
        conv2 = nn.Sequential(
            ("0", nn.Conv2d(outChannels, outChannels, 3, 1, 1)),
            ("1", nn.BatchNorm2d(outChannels, momentum: 0.01)));
        relu = nn.ReLU();
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var residual = downsample is null ? x : downsample.call(x);
        return relu.call(residual + conv2.call(conv1.call(x))).MoveToOuterDisposeScope();
    }
}
