namespace MambaIR.Imaging;

/// <summary>
/// What an image file holds besides its pixels, as <see cref="ImageFile.Read"/> returns it on
/// <see cref="RasterImage.Metadata"/> and <see cref="ImageFile.Write"/> copies it to the output (unless
/// <see cref="ImageWriteOptions.StripMetadata"/>).
/// </summary>
public sealed record ImageMetadata
{
    /// <summary>An image with no EXIF or ICC profile, 72 dpi, upright: what images made in memory carry.</summary>
    public static ImageMetadata None { get; } = new();

    /// <summary>The EXIF block as a JPEG APP1 payload: <c>"Exif\0\0"</c> then the TIFF-structured data (a PNG
    /// <c>eXIf</c> chunk's bare TIFF data is given the same prefix). After <see cref="ImageFile.Read"/> applied the
    /// orientation, its Orientation tag says 1. Null when the file has none.</summary>
    public byte[]? Exif { get; init; }

    /// <summary>The embedded ICC colour profile, byte for byte, or null. Pixels are never converted through it
    /// (except CMYK and Lab files, converted to sRGB on read, whose profile is then dropped).</summary>
    public byte[]? Icc { get; init; }

    /// <summary>Horizontal resolution in pixels per inch. Files that record none read as 72 (the EXIF/JFIF default).</summary>
    public double XResolution { get; init; } = 72;

    /// <summary>Vertical resolution in pixels per inch. Files that record none read as 72.</summary>
    public double YResolution { get; init; } = 72;

    /// <summary>EXIF orientation (1–8) of the pixels as held: 1 (upright) after <see cref="ImageFile.Read"/>, which
    /// turns the pixels as the file's tag says; the tag written to outputs.</summary>
    public int Orientation { get; init; } = 1;

    /// <summary>The orientation tag the file had (1 when it had none); <see cref="ImageFile.Read"/> has applied it.</summary>
    public int SourceOrientation { get; init; } = 1;

    /// <summary>The format of the file read, or null for images made in memory.</summary>
    public ImageFormat? SourceFormat { get; init; }

    /// <summary>Pages or frames in the file (multi-page TIFF, animated GIF/WebP); only the first is read.</summary>
    public int PageCount { get; init; } = 1;
}
