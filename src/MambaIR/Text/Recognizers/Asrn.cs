using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// MORAN's attention-based sequence recognition network (ASRN) with a bidirectional decoder: ResNet encoder, two
/// <see cref="BidirectionalLstm"/> layers and left-to-right / right-to-left attention decoders.
/// State-dict keys: <c>cnn.*</c>, <c>rnn.{0,1}.*</c>, <c>attentionL2R.*</c>, <c>attentionR2L.*</c>.
/// </summary>
public sealed class Asrn : nn.Module
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly AsrnResNet cnn;
    readonly Sequential rnn;
    readonly AsrnAttentionDecoder attentionL2R;
    readonly AsrnAttentionDecoder attentionR2L;
#pragma warning restore IDE1006

    /// <summary>Creates <c>ASRN(imgH, nc, nclass, nh, BidirDecoder=True)</c>.</summary>
    public Asrn(int imageHeight, long inputChannels, long classCount, long hiddenSize) : base(nameof(Asrn))
    {
        if (imageHeight % 16 != 0) throw new ArgumentException($"imgH must be a multiple of 16, got {imageHeight}", nameof(imageHeight));
        cnn = new AsrnResNet(inputChannels);
        rnn = nn.Sequential(
            ("0", new BidirectionalLstm(512, hiddenSize, hiddenSize)),
            ("1", new BidirectionalLstm(hiddenSize, hiddenSize, hiddenSize)));
        attentionL2R = new AsrnAttentionDecoder(hiddenSize, hiddenSize, classCount, 256);
        attentionR2L = new AsrnAttentionDecoder(hiddenSize, hiddenSize, classCount, 256);
        RegisterComponents();
    }

    /// <summary>Test-mode recognition of rectified images; returns both decoders' logits, each (B, steps, classes).</summary>
    public (Tensor LeftToRight, Tensor RightToLeft) Forward(Tensor input, int steps)
    {
        using var scope = NewDisposeScope();
        var conv = cnn.call(input);
        if (conv.shape[2] != 1)
            throw new ArgumentException($"the height of conv must be 1 (input height must be 32), got input ({string.Join(", ", input.shape)})");
        var seq = conv.squeeze(2).permute(2, 0, 1).contiguous();   // (w, b, c)
        var features = rnn.call(seq);
        var l2r = attentionL2R.Decode(features, steps);
        var r2l = attentionR2L.Decode(features, steps);
        return (l2r.MoveToOuterDisposeScope(), r2l.MoveToOuterDisposeScope());
    }
}
