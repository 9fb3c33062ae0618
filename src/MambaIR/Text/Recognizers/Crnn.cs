using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// CRNN (meijieru/crnn.pytorch) as used by TextZoom: <c>CRNN(imgH=32, nc=1, nclass=37, nh=256)</c> with ReLU.
/// Seven 3×3/2×2 convolutions (64-128-256-256-512-512-512, batch norm after conv 2, 4 and 6) and four max-pools reduce
/// a 1×32×100 image to 512×1×26; two bidirectional LSTMs give per-step class scores. State-dict keys are those of
/// <c>crnn.pth</c> (<c>cnn.conv0.weight</c>, ..., <c>rnn.1.embedding.bias</c>).
/// </summary>
public sealed class Crnn : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly Sequential cnn;
    readonly Sequential rnn;
#pragma warning restore IDE1006

    static readonly int[] Channels = [64, 128, 256, 256, 512, 512, 512];

    /// <summary>Creates the network (<c>CRNN(imgH, nc, nclass, nh)</c>, default the TextZoom configuration).</summary>
    public Crnn(int imageHeight = 32, int inputChannels = 1, int classCount = CtcGreedyDecoder.ClassCount, int hiddenSize = 256)
        : base(nameof(Crnn))
    {
        if (imageHeight % 16 != 0) throw new ArgumentException($"imgH has to be a multiple of 16, got {imageHeight}", nameof(imageHeight));
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        void ConvRelu(int i, bool batchNorm)
        {
            long nIn = i == 0 ? inputChannels : Channels[i - 1];
            long kernel = i == 6 ? 2 : 3, padding = i == 6 ? 0 : 1;
            layers.Add(($"conv{i}", nn.Conv2d(nIn, Channels[i], kernel, stride: 1, padding: padding)));
            if (batchNorm) layers.Add(($"batchnorm{i}", nn.BatchNorm2d(Channels[i])));
            layers.Add(($"relu{i}", nn.ReLU()));
        }
        ConvRelu(0, false);
        layers.Add(("pooling0", nn.MaxPool2d(2, 2)));
        ConvRelu(1, false);
        layers.Add(("pooling1", nn.MaxPool2d(2, 2)));
        ConvRelu(2, true);
        ConvRelu(3, false);
        layers.Add(("pooling2", nn.MaxPool2d(kernel_size: (2, 2), stride: (2, 1), padding: (0, 1))));
        ConvRelu(4, true);
        ConvRelu(5, false);
        layers.Add(("pooling3", nn.MaxPool2d(kernel_size: (2, 2), stride: (2, 1), padding: (0, 1))));
        ConvRelu(6, true);
        cnn = nn.Sequential(layers);
        rnn = nn.Sequential(
            ("0", new BidirectionalLstm(512, hiddenSize, hiddenSize)),
            ("1", new BidirectionalLstm(hiddenSize, hiddenSize, classCount)));
        RegisterComponents();
    }

    /// <summary>(B, 1, 32, W) grey images → class scores (T, B, 37), T = W/4 + 1 (26 for W = 100).</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var conv = cnn.call(input);
        if (conv.shape[2] != 1)
            throw new ArgumentException($"the height of conv must be 1 (input height must be 32), got input ({string.Join(", ", input.shape)})");
        var seq = conv.squeeze(2).permute(2, 0, 1);   // (w, b, c)
        return rnn.call(seq).MoveToOuterDisposeScope();
    }
}
