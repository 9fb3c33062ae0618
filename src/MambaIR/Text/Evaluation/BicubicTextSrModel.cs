using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Text.Evaluation;

/// <summary>
/// TextZoom's BICUBIC baseline (<c>model/bicubic.py</c>): <c>F.interpolate(lr, scale_factor=2, mode='bicubic',
/// align_corners=True)</c>, i.e. PyTorch's cubic convolution with a = −0.75 on the LR tensor (not Pillow's).
/// </summary>
public sealed class BicubicTextSrModel : ITextSrModel
{
    /// <inheritdoc/>
    public string Name => "bicubic";

    /// <inheritdoc/>
    public Tensor Upscale(Tensor lq)
    {
        using var noGrad = torch.no_grad();
        return torch.nn.functional.interpolate(lq, scale_factor: [2.0, 2.0], mode: InterpolationMode.Bicubic, align_corners: true);
    }

    /// <inheritdoc/>
    public void Dispose() { }
}
