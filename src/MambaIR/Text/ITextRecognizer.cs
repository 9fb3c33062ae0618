using TorchSharp;

namespace MambaIR.Text;

/// <summary>
/// A scene-text recognizer as used by the TextZoom protocol: it takes super-resolved RGB crops and returns the words it
/// reads. Each implementation owns its protocol preprocessing (CRNN/MORAN: PyTorch bicubic to 32×100 then grey in
/// [0,1]; ASTER: the 32×128 RGB mapped to [−1,1]; PP-OCR: height 48, BGR, [−1,1]), so callers only pass the SR output.
/// </summary>
public interface ITextRecognizer : IDisposable
{
    /// <summary>Short name used in tables and on the command line, e.g. <c>crnn</c>, <c>moran</c>, <c>aster</c>, <c>ppocr</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Reads a batch of text images. <paramref name="imagesRgb01"/> is (B, C, H, W) float32 with C ≥ 3 (only the first
    /// three channels, RGB in [0,1], are used: a TSRN mask channel is ignored); typically H×W = 32×128. Values outside
    /// [0,1] are allowed (SR output is not clamped in the protocol). Returns B raw predictions (not yet lower-cased or
    /// filtered; <see cref="TextNormalizer"/> does that for scoring).
    /// </summary>
    IReadOnlyList<string> Recognize(torch.Tensor imagesRgb01);
}
