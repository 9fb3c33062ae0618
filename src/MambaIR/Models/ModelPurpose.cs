namespace MambaIR.Models;

/// <summary>What a model is for; decides which baseline a name such as <c>bicubic</c> means and how results are scored.</summary>
public enum ModelPurpose
{
    /// <summary>Image super-resolution: the output is <see cref="ModelDescriptor.Scale"/> times larger.</summary>
    SuperResolution,
    /// <summary>Gaussian (or real) denoising at the input size.</summary>
    Denoising,
    /// <summary>JPEG compression artifact removal at the input size.</summary>
    JpegArtifactRemoval,
    /// <summary>Scene-text super-resolution (TextZoom: 64×16 RGB crops to 128×32).</summary>
    TextSuperResolution,
}

/// <summary>Short names of <see cref="ModelPurpose"/> values, as printed in reports.</summary>
public static class ModelPurposeNames
{
    /// <summary>A few words, e.g. <c>super-resolution ×4</c>.</summary>
    public static string Describe(this ModelPurpose purpose, int scale) => purpose switch
    {
        ModelPurpose.SuperResolution => $"super-resolution ×{scale}",
        ModelPurpose.Denoising => "denoising",
        ModelPurpose.JpegArtifactRemoval => "JPEG artifact removal",
        _ => $"scene-text super-resolution ×{scale}",
    };
}
