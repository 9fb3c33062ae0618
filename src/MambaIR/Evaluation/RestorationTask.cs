namespace MambaIR.Evaluation;

/// <summary>What an evaluation measures; decides how the degraded input is made and how the metrics are computed.</summary>
public enum RestorationTask
{
    /// <summary>Bicubic (BI) super-resolution ×scale: PSNR/SSIM on the Y channel with crop = scale.</summary>
    SuperResolution,

    /// <summary>Additive Gaussian noise at σ (official seeding): PSNR/SSIM on RGB (or grey), crop 0.</summary>
    Denoising,

    /// <summary>JPEG compression artifacts at quality q: PSNR/SSIM on Y (grey), crop 0.</summary>
    JpegArtifactRemoval,
}

/// <summary>Parsing and naming of <see cref="RestorationTask"/> for the command line and the reports.</summary>
public static class RestorationTaskNames
{
    /// <summary>The short name used on the command line and in reports: <c>sr</c>, <c>denoise</c>, <c>jpeg</c>.</summary>
    public static string ShortName(this RestorationTask task) => task switch
    {
        RestorationTask.SuperResolution => "sr",
        RestorationTask.Denoising => "denoise",
        RestorationTask.JpegArtifactRemoval => "jpeg",
        _ => throw new ArgumentOutOfRangeException(nameof(task)),
    };

    /// <summary>Parses <c>sr</c>, <c>denoise</c> or <c>jpeg</c> (also <c>dn</c>, <c>car</c>).</summary>
    public static RestorationTask Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "sr" or "super-resolution" => RestorationTask.SuperResolution,
        "denoise" or "dn" or "denoising" => RestorationTask.Denoising,
        "jpeg" or "car" => RestorationTask.JpegArtifactRemoval,
        _ => throw new ArgumentException($"task '{text}' is not recognised; use sr, denoise or jpeg"),
    };

    /// <summary>The model purpose this task evaluates.</summary>
    public static Models.ModelPurpose Purpose(this RestorationTask task) => task switch
    {
        RestorationTask.SuperResolution => Models.ModelPurpose.SuperResolution,
        RestorationTask.Denoising => Models.ModelPurpose.Denoising,
        _ => Models.ModelPurpose.JpegArtifactRemoval,
    };

    /// <summary>The degradation level as printed: <c>×4</c>, <c>σ25</c>, <c>q10</c>.</summary>
    public static string LevelLabel(this RestorationTask task, int level) => task switch
    {
        RestorationTask.SuperResolution => $"×{level}",
        RestorationTask.Denoising => $"σ{level}",
        _ => $"q{level}",
    };
}
