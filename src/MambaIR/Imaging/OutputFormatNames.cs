namespace MambaIR.Imaging;

/// <summary>The names of <see cref="OutputFormat"/> values as users write them.</summary>
public static class OutputFormatNames
{
    /// <summary>The names accepted by <see cref="Parse"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["png", "jpg", "webp", "tiff", "same"];

    /// <summary>Parses <c>png</c>, <c>jpg</c>/<c>jpeg</c>, <c>webp</c>, <c>tiff</c>/<c>tif</c> or <c>same</c> (the input's own format).</summary>
    public static OutputFormat Parse(string text) => text.Trim().TrimStart('.').ToLowerInvariant() switch
    {
        "png" => OutputFormat.Png,
        "jpg" or "jpeg" => OutputFormat.Jpeg,
        "webp" => OutputFormat.WebP,
        "tif" or "tiff" => OutputFormat.Tiff,
        "same" => OutputFormat.KeepSource,
        _ => throw new ArgumentException($"output format '{text}' is not supported; use {string.Join(", ", Names)}"),
    };
}
