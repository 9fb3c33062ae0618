using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// MORAN v2 (Canjie-Luo/MORAN_v2) as used by TextZoom: <c>MORAN(1, 37, 256, 32, 100, BidirDecoder=True)</c>, run in
/// test mode. <see cref="MoranRectifier"/> (MORN) rectifies the image, <see cref="Asrn"/> reads it.
/// State-dict keys: <c>MORN.*</c> and <c>ASRN.*</c> (the released file adds a <c>module.</c> prefix, stripped at load).
/// </summary>
public sealed class Moran : nn.Module
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly MoranRectifier MORN;
    readonly Asrn ASRN;
#pragma warning restore IDE1006

    /// <summary>Creates <c>MORAN(nc, nclass, nh, targetH, targetW, BidirDecoder=True)</c>.</summary>
    public Moran(int inputChannels = 1, int classCount = MoranLabelConverter.ClassCount, int hiddenSize = 256,
        int targetHeight = 32, int targetWidth = 100) : base(nameof(Moran))
    {
        MORN = new MoranRectifier(inputChannels, targetHeight, targetWidth);
        ASRN = new Asrn(targetHeight, inputChannels, classCount, hiddenSize);
        RegisterComponents();
    }

    /// <summary>MORN: the rectified images (B, 1, 32, 100).</summary>
    public Tensor Rectify(Tensor images) => MORN.call(images);

    /// <summary>
    /// Test-mode forward (<c>MORAN(x, length, text, text_rev, test=True)</c> with every length equal to
    /// <paramref name="steps"/>): logits of the left-to-right and right-to-left decoders, each (B, steps, 37).
    /// </summary>
    public (Tensor LeftToRight, Tensor RightToLeft) Forward(Tensor images, int steps = MoranLabelConverter.ProtocolSteps)
    {
        using var scope = NewDisposeScope();
        var (l2r, r2l) = ASRN.Forward(MORN.call(images), steps);
        return (l2r.MoveToOuterDisposeScope(), r2l.MoveToOuterDisposeScope());
    }
}
