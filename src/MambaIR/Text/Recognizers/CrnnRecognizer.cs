using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// CRNN in the TextZoom protocol: <see cref="RecognizerInputs.Greyscale32x100"/>, <see cref="Crnn"/>, then
/// <see cref="CtcGreedyDecoder"/>.
/// </summary>
public sealed class CrnnRecognizer : ITextRecognizer
{
    /// <summary>The network (eval mode).</summary>
    public Crnn Model { get; }

    /// <inheritdoc/>
    public string Name => RecognizerKind.Crnn.Name();

    /// <inheritdoc/>
    public ScalarType DType { get; }

    /// <summary>Builds the recognizer from a state dict (<c>crnn.pth</c> layout); <paramref name="source"/> names it in errors.</summary>
    public CrnnRecognizer(IReadOnlyDictionary<string, Tensor> stateDict, string source, ScalarType dtype = ScalarType.Float32)
    {
        DType = RecognizerDTypes.Check(dtype);
        Model = new Crnn();
        Model.to(dtype);
        RecognizerWeights.Load(Model, stateDict, RecognizerKind.Crnn, source);
        Model.eval();
    }

    /// <summary>Class scores (T, B, 37) for grey images (B, 1, 32, 100) in [0, 1].</summary>
    public Tensor Scores(Tensor greyImages)
    {
        using var noGrad = no_grad();
        return Model.call(greyImages.to(DType));
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Recognize(Tensor srImages)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return CtcGreedyDecoder.Decode(Scores(RecognizerInputs.Greyscale32x100(srImages.to(DType))));
    }

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}
