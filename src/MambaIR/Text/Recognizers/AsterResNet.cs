using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// ASTER's encoder (<c>ResNet_ASTER(with_lstm=True)</c>): a 3×3 stem and five stages of <see cref="AsterBlock"/>
/// (32×3 /2, 64×4 /2, 128×6 /(2,1), 256×6 /(2,1), 512×3 /(2,1)) take a 3×32×100 image to 512×1×25, then a two-layer
/// bidirectional LSTM (batch first, 256 per direction) gives (B, 25, 512) features.
/// </summary>
public sealed class AsterResNet : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly Sequential layer0, layer1, layer2, layer3, layer4, layer5;
    readonly LSTM rnn;
#pragma warning restore IDE1006
    long _inPlanes = 32;

    /// <summary>Feature size of the encoder output (2 × 256).</summary>
    public const int OutPlanes = 512;

    /// <summary>Creates the encoder.</summary>
    public AsterResNet() : base(nameof(AsterResNet))
    {
        layer0 = nn.Sequential(
            ("0", nn.Conv2d(3, 32, (3, 3), stride: (1, 1), padding: (1, 1), bias: false)),
            ("1", nn.BatchNorm2d(32)),
            ("2", nn.ReLU()));
        layer1 = MakeLayer(32, 3, (2, 2));
        layer2 = MakeLayer(64, 4, (2, 2));
        layer3 = MakeLayer(128, 6, (2, 1));
        layer4 = MakeLayer(256, 6, (2, 1));
        layer5 = MakeLayer(512, 3, (2, 1));
        rnn = nn.LSTM(512, 256, numLayers: 2, batchFirst: true, bidirectional: true);
        RegisterComponents();
    }

    Sequential MakeLayer(long planes, int blocks, (long, long) stride)
    {
        Sequential? downsample = null;
        if (stride != (1, 1) || _inPlanes != planes)
            downsample = nn.Sequential(
                ("0", nn.Conv2d(_inPlanes, planes, (1, 1), stride: stride, bias: false)),
                ("1", nn.BatchNorm2d(planes)));
        var layers = new List<(string, nn.Module<Tensor, Tensor>)> { ("0", new AsterBlock(_inPlanes, planes, stride, downsample)) };
        _inPlanes = planes;
        for (int i = 1; i < blocks; i++)
            layers.Add((i.ToString(CultureInfo.InvariantCulture), new AsterBlock(_inPlanes, planes, (1, 1), null)));
        return nn.Sequential(layers);
    }

    /// <summary>(B, 3, 32, W) → (B, W/4, 512).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x5 = layer5.call(layer4.call(layer3.call(layer2.call(layer1.call(layer0.call(x))))));
        var cnnFeat = x5.squeeze(2).transpose(2, 1);   // (N, w, c)
        var (rnnFeat, _, _) = rnn.call(cnnFeat);
        return rnnFeat.MoveToOuterDisposeScope();
    }
}
