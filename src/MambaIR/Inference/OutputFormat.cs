namespace MambaIR.Inference;

/// <summary>The file format restored images are written in.</summary>
public enum OutputFormat
{
    /// <summary>PNG (lossless; 8 or 16 bits, alpha).</summary>
    Png,
    /// <summary>JPEG (8-bit, no alpha).</summary>
    Jpeg,
    /// <summary>WebP.</summary>
    WebP,
    /// <summary>TIFF (8 or 16 bits, alpha).</summary>
    Tiff,
    /// <summary>Each input's own format.</summary>
    Same,
}

/// <summary>Names and extensions of <see cref="OutputFormat"/>.</summary>
public static class OutputFormats
{
    /// <summary>The names accepted by <see cref="Parse"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["png", "jpg", "webp", "tiff", "same"];

    /// <summary>Parses <c>png</c>, <c>jpg</c>/<c>jpeg</c>, <c>webp</c>, <c>tiff</c>/<c>tif</c> or <c>same</c>.</summary>
    public static OutputFormat Parse(string text) => text.Trim().TrimStart('.').ToLowerInvariant() switch
    {
        "png" => OutputFormat.Png,
        "jpg" or "jpeg" => OutputFormat.Jpeg,
        "webp" => OutputFormat.WebP,
        "tif" or "tiff" => OutputFormat.Tiff,
        "same" => OutputFormat.Same,
        _ => throw new ArgumentException($"output format '{text}' is not supported; use {string.Join(", ", Names)}"),
    };

    /// <summary>The file extension with its dot (<see cref="OutputFormat.Same"/> has none of its own).</summary>
    public static string Extension(this OutputFormat format) => format switch
    {
        OutputFormat.Png => ".png",
        OutputFormat.Jpeg => ".jpg",
        OutputFormat.WebP => ".webp",
        OutputFormat.Tiff => ".tif",
        _ => throw new ArgumentException("'same' keeps each input's extension"),
    };
}
