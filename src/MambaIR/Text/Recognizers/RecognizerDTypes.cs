using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>The element types the recognizers run in.</summary>
internal static class RecognizerDTypes
{
    /// <summary>Accepts float32 and float64; anything else is a clear error.</summary>
    public static ScalarType Check(ScalarType dtype) => dtype is ScalarType.Float32 or ScalarType.Float64
        ? dtype
        : throw new ArgumentException($"recognizers run in float32 or float64, not {dtype}", nameof(dtype));
}
