using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// MORAN ASRN's ResNet encoder: <c>block0</c> (3×3 conv + batch norm, no activation) and five stages of
/// <see cref="AsrnResidualBlock"/> (32×3 /2, 64×4 /2, 128×6 /(2,1), 256×6 /(2,1), 512×3 /(2,1)), turning a 1×32×100
/// image into 512×1×25 features.
/// </summary>
public sealed class AsrnResNet : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly Sequential block0, block1, block2, block3, block4, block5;
#pragma warning restore IDE1006

    /// <summary>Creates <c>ResNet(c_in)</c>.</summary>
    public AsrnResNet(long inChannels) : base(nameof(AsrnResNet))
    {
        block0 = nn.Sequential(("0", nn.Conv2d(inChannels, 32, 3, 1, 1)), ("1", nn.BatchNorm2d(32, momentum: 0.01)));
        block1 = MakeLayer(32, 32, (2, 2), 3);
        block2 = MakeLayer(32, 64, (2, 2), 4);
        block3 = MakeLayer(64, 128, (2, 1), 6);
        block4 = MakeLayer(128, 256, (2, 1), 6);
        block5 = MakeLayer(256, 512, (2, 1), 3);
        RegisterComponents();
    }

    static Sequential MakeLayer(long inChannels, long outChannels, (long, long) stride, int repeat)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)> { ("0", new AsrnResidualBlock(inChannels, outChannels, stride)) };
        for (int i = 1; i < repeat; i++)
            layers.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), new AsrnResidualBlock(outChannels, outChannels, (1, 1))));
        return nn.Sequential(layers);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = block5.call(block4.call(block3.call(block2.call(block1.call(block0.call(x))))));
        return y.MoveToOuterDisposeScope();
    }
}
