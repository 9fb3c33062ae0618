using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// ASTER in the TextZoom protocol: <see cref="RecognizerInputs.AsterRgb"/> (RGB mapped to [−1, 1] at native size),
/// <see cref="Aster"/> with beam search, then <see cref="AsterVocabulary.Decode"/>.
/// </summary>
public sealed class AsterRecognizer : ITextRecognizer
{
    /// <summary>The network (eval mode).</summary>
    public Aster Model { get; }

    /// <inheritdoc/>
    public string Name => RecognizerKind.Aster.Name();

    /// <inheritdoc/>
    public ScalarType DType { get; }

    /// <summary>
    /// Builds the recognizer from a state dict (aster.pytorch <c>demo.pth.tar</c>'s <c>state_dict</c>);
    /// <paramref name="source"/> names it in errors.
    /// </summary>
    public AsterRecognizer(IReadOnlyDictionary<string, Tensor> stateDict, string source, ScalarType dtype = ScalarType.Float32)
    {
        DType = RecognizerDTypes.Check(dtype);
        Model = new Aster();
        Model.to(dtype);
        RecognizerWeights.Load(Model, stateDict, RecognizerKind.Aster, source);
        Model.eval();
    }

    /// <summary>All of ASTER's outputs for images (B, 3, H, W) in [−1, 1].</summary>
    public AsterOutput Run(Tensor images)
    {
        using var noGrad = no_grad();
        return Model.Forward(images.to(DType));
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Recognize(Tensor srImages)
    {
        using var scope = NewDisposeScope();
        using var output = Run(RecognizerInputs.AsterRgb(srImages.to(DType)));
        return AsterVocabulary.Decode(output.PredictedIds);
    }

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}
