namespace MambaIR.Imaging;

/// <summary>How <see cref="ImageFile.Write"/> encodes an image.</summary>
public sealed record ImageWriteOptions
{
    /// <summary>Format from the extension, JPEG at 95, WebP lossless, PNG compression 6, metadata kept.</summary>
    public static ImageWriteOptions Default { get; } = new();

    /// <summary>The format to write; null takes it from the path's extension. When both are given they must agree
    /// (a file is never written in another format than its extension says).</summary>
    public ImageFormat? Format { get; init; }

    /// <summary>JPEG and WebP quality, 1–100. Null: JPEG at 95, WebP lossless.</summary>
    public int? Quality { get; init; }

    /// <summary>PNG zlib compression level, 0–9 (file size and speed only; pixels are the same).</summary>
    public int PngCompression { get; init; } = 6;

    /// <summary>Write no EXIF and no ICC profile, and 72 dpi as resolution.</summary>
    public bool StripMetadata { get; init; }

    /// <summary>JPEG quality used when <see cref="Quality"/> is null.</summary>
    public const int DefaultJpegQuality = 95;
}
