using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// A scene-text recognizer used by the TextZoom accuracy protocol (CRNN, MORAN or ASTER with their released weights).
/// </summary>
public interface ITextRecognizer : IDisposable
{
    /// <summary>Short lower-case name: <c>crnn</c>, <c>moran</c> or <c>aster</c>.</summary>
    string Name { get; }

    /// <summary>The element type the network computes in (<see cref="ScalarType.Float32"/> or <see cref="ScalarType.Float64"/>).</summary>
    ScalarType DType { get; }

    /// <summary>
    /// Reads the words in a batch of super-resolved images as the TextZoom evaluation does: <paramref name="srImages"/> is
    /// (B, C, H, W) with C ≥ 3 (only the first three channels, RGB in [0, 1], are used; a 4th mask channel is ignored).
    /// The recognizer applies its own protocol preprocessing (see <see cref="RecognizerInputs"/>) and decoding.
    /// </summary>
    /// <returns>One prediction per image, lower-case, restricted to <c>[0-9a-z]</c>.</returns>
    IReadOnlyList<string> Recognize(Tensor srImages);
}
