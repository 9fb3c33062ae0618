namespace MambaIR.Evaluation;

/// <summary>How PSNR/SSIM are computed for a task, as in the official test options.</summary>
/// <param name="CropBorder">Pixels removed from every side before measuring.</param>
/// <param name="YChannel">Measure on BT.601 Y (studio range) instead of on all channels; grey images are measured as they are.</param>
public sealed record MetricProtocol(int CropBorder, bool YChannel)
{
    /// <summary>
    /// The official protocol: SR ×s → crop s, Y; Gaussian denoising → crop 0, RGB (or grey); JPEG CAR → crop 0, Y.
    /// </summary>
    public static MetricProtocol For(RestorationTask task, int level) => task switch
    {
        RestorationTask.SuperResolution => new(level, true),
        RestorationTask.Denoising => new(0, false),
        RestorationTask.JpegArtifactRemoval => new(0, true),
        _ => throw new ArgumentOutOfRangeException(nameof(task)),
    };

    /// <summary>Printed form, e.g. <c>crop 4, Y</c> or <c>crop 0, RGB</c>.</summary>
    public override string ToString() => $"crop {CropBorder}, {(YChannel ? "Y" : "RGB")}";
}
