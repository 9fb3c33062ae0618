using MambaIR.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Models.Baselines;

/// <summary>
/// The models without weights that results are compared against. Each is a <see cref="ModelDescriptor"/> whose forward
/// runs on the CPU in float32:
/// <list type="bullet">
/// <item><see cref="MatlabBicubic"/>: the SR baseline of the literature, MATLAB's <c>imresize(LR, s, 'bicubic')</c> on the
/// 8-bit LR with uint8 results (<see cref="Imaging.MatlabBicubic"/>).</item>
/// <item><see cref="TextZoomBicubic"/>: TextZoom's BICUBIC row (<c>model/bicubic.py</c>): <c>F.interpolate(lr, scale_factor=2,
/// mode='bicubic', align_corners=True)</c>, PyTorch's cubic convolution (a = −0.75) on the LR tensor, not Pillow's.</item>
/// <item><see cref="Identity"/>: the "no restoration" row of denoising and JPEG tables: the degraded input itself.</item>
/// </list>
/// </summary>
public static class BaselineModels
{
    /// <summary>MATLAB-bicubic ×<paramref name="scale"/> upscaling of the 8-bit input.</summary>
    public static ModelDescriptor MatlabBicubic(int scale, int channels = 3)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the bicubic baseline's scale must be at least 1");
        return ModelDescriptor.ForBaseline("bicubic", ModelPurpose.SuperResolution, scale, channels, x => PerImage(x, img =>
                Imaging.MatlabBicubic.Resize(img.ToOpaque8Bit(), img.Height * scale, img.Width * scale)),
            $"bicubic baseline: MATLAB imresize ×{scale} ('bicubic', uint8), {channels} channel(s)");
    }

    /// <summary>TextZoom's bicubic ×2 row.</summary>
    public static ModelDescriptor TextZoomBicubic() =>
        ModelDescriptor.ForBaseline("bicubic", ModelPurpose.TextSuperResolution, 2, 3,
            x => nn.functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Bicubic, align_corners: true),
            "bicubic baseline: PyTorch bicubic ×2, align_corners=True (TextZoom's BICUBIC row)");

    /// <summary>The degraded input itself, for denoising or JPEG artifact removal tables.</summary>
    public static ModelDescriptor Identity(ModelPurpose purpose, int channels = 3)
    {
        if (purpose is not (ModelPurpose.Denoising or ModelPurpose.JpegArtifactRemoval))
            throw new ArgumentException($"the identity baseline is for same-size tasks (denoising, JPEG artifact removal), not {purpose.Describe(1)}; super-resolution compares with bicubic");
        return ModelDescriptor.ForBaseline("identity", purpose, 1, channels, x => x.clone(),
            $"identity baseline: the degraded input itself, {channels} channel(s)");
    }

    static Tensor PerImage(Tensor batch, Func<RasterImage, RasterImage> resize)
    {
        var outputs = new List<Tensor>();
        for (long i = 0; i < batch.shape[0]; i++)
            outputs.Add(resize(RasterImage.FromTensor(batch[i])).ToTensor());
        return cat(outputs, 0);
    }
}
