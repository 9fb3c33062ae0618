using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// The TextZoom protocol's recognizer inputs built from super-resolved images (TSRN <c>parse_crnn_data</c>,
/// <c>parse_moran_data</c>, <c>parse_aster_data</c>).
/// </summary>
public static class RecognizerInputs
{
    /// <summary>Height of the CRNN/MORAN input.</summary>
    public const int GreyHeight = 32;
    /// <summary>Width of the CRNN/MORAN input.</summary>
    public const int GreyWidth = 100;

    /// <summary>
    /// CRNN and MORAN input: <c>F.interpolate(sr[:, :3], (32, 100), mode='bicubic')</c> (PyTorch bicubic, a = −0.75,
    /// align_corners = False, no antialias, no clamping) followed by grey = 0.299 R + 0.587 G + 0.114 B, left in [0, 1].
    /// Returns (B, 1, 32, 100) in the dtype of <paramref name="srImages"/>.
    /// </summary>
    public static Tensor Greyscale32x100(Tensor srImages)
    {
        CheckImages(srImages);
        using var scope = NewDisposeScope();
        var rgb = srImages[.., ..3];
        var resized = nn.functional.interpolate(rgb, size: [GreyHeight, GreyWidth],
            mode: InterpolationMode.Bicubic, align_corners: false);
        var r = resized[.., 0..1];
        var g = resized[.., 1..2];
        var b = resized[.., 2..3];
        return (0.299 * r + 0.587 * g + 0.114 * b).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ASTER input: <c>sr[:, :3] * 2 − 1</c> at the native size (32×128 for TextZoom ×2 output); ASTER's STN resamples
    /// it itself. Returns (B, 3, H, W) in [−1, 1].
    /// </summary>
    public static Tensor AsterRgb(Tensor srImages)
    {
        CheckImages(srImages);
        using var scope = NewDisposeScope();
        return (srImages[.., ..3] * 2 - 1).MoveToOuterDisposeScope();
    }

    static void CheckImages(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] < 3)
            throw new ArgumentException(
                $"expected super-resolved images of shape (B, C>=3, H, W), got ({string.Join(", ", images.shape)})",
                nameof(images));
        if (!images.is_floating_point())
            throw new ArgumentException($"expected floating-point images in [0, 1], got {images.dtype}", nameof(images));
    }
}
