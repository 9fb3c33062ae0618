using MambaIR.Imaging;

namespace MambaIR.Inference;

/// <summary>How restored images are written.</summary>
public sealed record RestoreOutputSettings
{
    /// <summary>The file format (default PNG).</summary>
    public OutputFormat Format { get; init; } = OutputFormat.Png;
    /// <summary>JPEG/WebP quality 1–100, or null for the writer's default.</summary>
    public int? Quality { get; init; }
    /// <summary>PNG compression level 0–9, or null for the default.</summary>
    public int? PngCompression { get; init; }
    /// <summary>Drop EXIF, ICC profile and resolution instead of copying them from the input.</summary>
    public bool StripMetadata { get; init; }
    /// <summary>
    /// Final size as a multiple of the input size, resampled after the network (Real-ESRGAN's <c>-s</c>), or null for the
    /// model's own scale.
    /// </summary>
    public double? OutScale { get; init; }

    /// <summary>Checks the values.</summary>
    public RestoreOutputSettings Validate()
    {
        if (Quality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(Quality), Quality, "quality must be 1..100");
        if (PngCompression is < 0 or > 9) throw new ArgumentOutOfRangeException(nameof(PngCompression), PngCompression, "PNG compression must be 0..9");
        if (OutScale is { } s && (!double.IsFinite(s) || s <= 0 || s > 64)) throw new ArgumentOutOfRangeException(nameof(OutScale), OutScale, "the output scale must be in (0, 64]");
        return this;
    }
}
