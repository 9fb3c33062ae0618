using static TorchSharp.torch;

namespace MambaIR.Inference;

/// <summary>Upscales planes the network does not restore (alpha, and chroma for a grey network on colour input) to the output size.</summary>
public static class PlaneResize
{
    /// <summary>
    /// (N, C, H, W) → (N, C, s·H, s·W) by bicubic interpolation (PyTorch's, a = −0.75, half-pixel centres), clamped to [0, 1].
    /// Returns a copy for <paramref name="scale"/> 1.
    /// </summary>
    public static Tensor Upscale(Tensor planes, int scale)
    {
        if (scale == 1) return planes.clone();
        using var scope = NewDisposeScope();
        var up = nn.functional.interpolate(planes, size: new[] { planes.shape[2] * scale, planes.shape[3] * scale },
            mode: InterpolationMode.Bicubic, align_corners: false);
        return up.clamp_(0.0, 1.0).MoveToOuterDisposeScope();
    }
}
