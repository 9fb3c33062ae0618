using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// MORAN in the TextZoom protocol: <see cref="RecognizerInputs.Greyscale32x100"/>, <see cref="Moran"/> in test mode
/// for 20 steps, argmax of the left-to-right decoder, cut at <c>'$'</c> (<see cref="MoranLabelConverter"/>).
/// </summary>
public sealed class MoranRecognizer : ITextRecognizer
{
    /// <summary>The network (eval mode).</summary>
    public Moran Model { get; }

    /// <inheritdoc/>
    public string Name => RecognizerKind.Moran.Name();

    /// <inheritdoc/>
    public ScalarType DType { get; }

    /// <summary>
    /// Builds the recognizer from a state dict (MORAN_v2 <c>demo.pth</c> layout, with or without the <c>module.</c>
    /// prefix); <paramref name="source"/> names it in errors.
    /// </summary>
    public MoranRecognizer(IReadOnlyDictionary<string, Tensor> stateDict, string source, ScalarType dtype = ScalarType.Float32)
    {
        DType = RecognizerDTypes.Check(dtype);
        Model = new Moran();
        Model.to(dtype);
        RecognizerWeights.Load(Model, stateDict, RecognizerKind.Moran, source);
        Model.eval();
    }

    /// <summary>
    /// Test-mode logits of both decoders, each (B, steps, 37), for grey images (B, 1, 32, 100) in [0, 1].
    /// </summary>
    public (Tensor LeftToRight, Tensor RightToLeft) Logits(Tensor greyImages, int steps = MoranLabelConverter.ProtocolSteps)
    {
        using var noGrad = no_grad();
        return Model.Forward(greyImages.to(DType), steps);
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Recognize(Tensor srImages)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (l2r, _) = Logits(RecognizerInputs.Greyscale32x100(srImages.to(DType)));
        return MoranLabelConverter.Decode(l2r.argmax(2));
    }

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}
