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
    /// Loads aster.pytorch <c>demo.pth.tar</c> (<c>{'state_dict': ...}</c>), or the same tensors in a safetensors file, converting the weights to <paramref name="dtype"/>.
    /// </summary>
    /// <exception cref="MambaIR.Checkpoints.CheckpointException">Unreadable file.</exception>
    /// <exception cref="InvalidDataException">Another recognizer's checkpoint, or keys/shapes that do not match.</exception>
    public static AsterRecognizer Load(string path, ScalarType dtype = ScalarType.Float32)
    {
        using var stateDict = MambaIR.Checkpoints.Checkpoint.Load(path);
        return new AsterRecognizer(stateDict, path, dtype);
    }

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
        using var converted = images.to(DType);
        return Model.Forward(converted);
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
