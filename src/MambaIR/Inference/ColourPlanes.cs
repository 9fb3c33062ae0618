using static TorchSharp.torch;

namespace MambaIR.Inference;

/// <summary>
/// Full-range ITU-R BT.601 YCbCr (the JPEG/JFIF transform) on (N, 3, H, W) tensors in [0, 1], used to run a grey
/// (1-channel) network on colour images: Y = 0.299 R + 0.587 G + 0.114 B (the luma of <see cref="Imaging.RasterImage.ToChannels"/>),
/// Cb = 0.5 + (B − Y)/1.772, Cr = 0.5 + (R − Y)/1.402. <see cref="ToRgb"/> is the exact algebraic inverse.
/// </summary>
public static class ColourPlanes
{
    const double Kr = 0.299, Kg = 0.587, Kb = 0.114;

    /// <summary>(N, 3, H, W) RGB → (N, 3, H, W) Y, Cb, Cr.</summary>
    public static Tensor ToYCbCr(Tensor rgb)
    {
        using var scope = NewDisposeScope();
        var (r, g, b) = (rgb.narrow(1, 0, 1), rgb.narrow(1, 1, 1), rgb.narrow(1, 2, 1));
        var y = Luma(rgb);
        var cb = (b - y) / (2 * (1 - Kb)) + 0.5;
        var cr = (r - y) / (2 * (1 - Kr)) + 0.5;
        return cat(new[] { y, cb, cr }, 1).MoveToOuterDisposeScope();
    }

    /// <summary>(N, 3, H, W) Y, Cb, Cr → (N, 3, H, W) RGB.</summary>
    public static Tensor ToRgb(Tensor ycbcr)
    {
        using var scope = NewDisposeScope();
        var (y, cb, cr) = (ycbcr.narrow(1, 0, 1), ycbcr.narrow(1, 1, 1), ycbcr.narrow(1, 2, 1));
        var r = y + (cr - 0.5) * (2 * (1 - Kr));
        var b = y + (cb - 0.5) * (2 * (1 - Kb));
        var g = (y - Kr * r - Kb * b) / Kg;
        return cat(new[] { r, g, b }, 1).MoveToOuterDisposeScope();
    }

    /// <summary>(N, 3, H, W) RGB → (N, 1, H, W) luma 0.299 R + 0.587 G + 0.114 B.</summary>
    public static Tensor Luma(Tensor rgb) =>
        rgb.narrow(1, 0, 1) * Kr + rgb.narrow(1, 1, 1) * Kg + rgb.narrow(1, 2, 1) * Kb;
}
