using static TorchSharp.torch;

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
    /// Restores a (1, C, h, w) float32 CPU image with values in [0, 1] (denoising inputs may lie outside) and returns
    /// a new (1, C, h·scale, w·scale) float32 CPU tensor owned by the caller (not yet clamped or quantised).
    /// </summary>
    Tensor Restore(Tensor input);
}
