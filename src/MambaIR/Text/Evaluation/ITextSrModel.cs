using static TorchSharp.torch;

namespace MambaIR.Text.Evaluation;

/// <summary>A ×2 text super-resolver evaluated on TextZoom: bicubic or a MambaIR network.</summary>
public interface ITextSrModel : IDisposable
{
    /// <summary>Row name in reports.</summary>
    string Name { get; }

    /// <summary>Super-resolves (B, 3, 16, 64) RGB [0,1] CPU float32 LR crops to (B, 3, 32, 128) CPU float32 (unclamped, as the protocol scores it).</summary>
    Tensor Upscale(Tensor lq);
}
