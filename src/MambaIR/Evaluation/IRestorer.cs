using MambaIR.Imaging;

namespace MambaIR.Evaluation;

/// <summary>Something that restores a low-quality image: a network under a test procedure, or a baseline.</summary>
public interface IRestorer : IDisposable
{
    /// <summary>One line for reports: architecture, scale, channels, procedure.</summary>
    string Description { get; }

    /// <summary>Output size / input size: the SR scale, or 1 for denoising and JPEG CAR.</summary>
    int Scale { get; }

    /// <summary>Colour channels the restorer takes and returns: 3 (RGB) or 1 (grey).</summary>
    int Channels { get; }

    /// <summary>
    /// Restores an image with <see cref="Channels"/> channels (values nominally in [0, 1]; noisy denoising inputs may lie
    /// outside) and returns the (scale × larger) result, clamped to [0, 1] but not yet quantised.
    /// </summary>
    RasterImage Restore(RasterImage input);
}
