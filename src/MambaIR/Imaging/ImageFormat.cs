namespace MambaIR.Imaging;

/// <summary>An image file format <see cref="ImageFile"/> reads (all of them) or writes (<see cref="ImageFormats.CanWrite"/>).</summary>
public enum ImageFormat
{
    /// <summary>PNG: 1–16 bits, grey, RGB, palette, alpha. Read and written (libvips).</summary>
    Png,
    /// <summary>JPEG (JFIF/EXIF): 8-bit grey, YCbCr, CMYK. Read and written (libvips, libjpeg-turbo).</summary>
    Jpeg,
    /// <summary>Windows bitmap. Read and written by a managed codec (the libvips build has no BMP loader).</summary>
    Bmp,
    /// <summary>TIFF: first page; 8/16-bit grey and RGB, palette, alpha. Read and written (libvips, libtiff).</summary>
    Tiff,
    /// <summary>WebP: lossy or lossless, alpha. Read and written (libvips, libwebp).</summary>
    WebP,
    /// <summary>GIF: first frame. Read only (libvips).</summary>
    Gif,
    /// <summary>AVIF (AV1 in HEIF): read only (libvips, libheif). HEIC (HEVC) is not decodable with this libvips build.</summary>
    Avif,
}

/// <summary>Names, extensions and signatures of the <see cref="ImageFormat"/>s.</summary>
public static class ImageFormats
{
    static readonly (string Ext, ImageFormat Format)[] ByExtension =
    [
        (".png", ImageFormat.Png), (".jpg", ImageFormat.Jpeg), (".jpeg", ImageFormat.Jpeg), (".bmp", ImageFormat.Bmp),
        (".tif", ImageFormat.Tiff), (".tiff", ImageFormat.Tiff), (".webp", ImageFormat.WebP), (".gif", ImageFormat.Gif),
        (".avif", ImageFormat.Avif),
    ];

    /// <summary>Every extension read (lower case, with the dot).</summary>
    public static IReadOnlyList<string> Extensions { get; } = ByExtension.Select(e => e.Ext).ToArray();

    /// <summary>The format an extension (".png", "JPG", or a path ending in one) names, or null.</summary>
    public static ImageFormat? FromExtension(string pathOrExtension)
    {
        ArgumentNullException.ThrowIfNull(pathOrExtension);
        string ext = Path.GetExtension(pathOrExtension);          // "a/b.PNG" and ".png" give ".PNG" / ".png"
        if (ext.Length == 0) ext = "." + pathOrExtension;          // "png"
        ext = ext.ToLowerInvariant();
        foreach (var (e, f) in ByExtension) if (e == ext) return f;
        return null;
    }

    /// <summary>The usual extension of a format (".png", ".jpg", ".bmp", ".tif", ".webp", ".gif", ".avif").</summary>
    public static string Extension(ImageFormat format) => format switch
    {
        ImageFormat.Png => ".png",
        ImageFormat.Jpeg => ".jpg",
        ImageFormat.Bmp => ".bmp",
        ImageFormat.Tiff => ".tif",
        ImageFormat.WebP => ".webp",
        ImageFormat.Gif => ".gif",
        ImageFormat.Avif => ".avif",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown image format"),
    };

    /// <summary>The display name: "PNG", "JPEG", "BMP", "TIFF", "WebP", "GIF", "AVIF".</summary>
    public static string Name(ImageFormat format) => format switch
    {
        ImageFormat.WebP => "WebP",
        _ => format.ToString().ToUpperInvariant(),
    };

    /// <summary>True for the formats <see cref="ImageFile.Write"/> can produce: PNG, JPEG, TIFF, WebP, BMP.</summary>
    public static bool CanWrite(ImageFormat format) => format is ImageFormat.Png or ImageFormat.Jpeg or ImageFormat.Tiff or ImageFormat.WebP or ImageFormat.Bmp;

    /// <summary>"PNG, JPEG, BMP, TIFF, WebP, GIF, AVIF": for messages.</summary>
    public static string ReadableList => string.Join(", ", Enum.GetValues<ImageFormat>().Select(Name));

    /// <summary>"PNG, JPEG, TIFF, WebP, BMP": for messages.</summary>
    public static string WritableList => string.Join(", ", Enum.GetValues<ImageFormat>().Where(CanWrite).Select(Name));

    /// <summary>True when the bytes start like a HEIC (HEVC-coded HEIF) file, which this libvips build cannot decode.</summary>
    internal static bool LooksLikeHeic(ReadOnlySpan<byte> head) =>
        head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8)
        && (head[8..12].SequenceEqual("heic"u8) || head[8..12].SequenceEqual("heix"u8) || head[8..12].SequenceEqual("hevc"u8) || head[8..12].SequenceEqual("hevx"u8));

    /// <summary>The format told by the file's first bytes (its signature), or null when none matches.</summary>
    public static ImageFormat? Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 8 && head[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return ImageFormat.Png;
        if (head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) return ImageFormat.Jpeg;
        if (head.Length >= 2 && head[0] == (byte)'B' && head[1] == (byte)'M') return ImageFormat.Bmp;
        if (head.Length >= 4 && ((head[0] == 'I' && head[1] == 'I' && (head[2] == 42 || head[2] == 43) && head[3] == 0)
                                 || (head[0] == 'M' && head[1] == 'M' && head[2] == 0 && (head[3] == 42 || head[3] == 43)))) return ImageFormat.Tiff;
        if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return ImageFormat.WebP;
        if (head.Length >= 6 && (head[..6].SequenceEqual("GIF87a"u8) || head[..6].SequenceEqual("GIF89a"u8))) return ImageFormat.Gif;
        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8))
        {
            var brand = head[8..12];
            if (brand.SequenceEqual("avif"u8) || brand.SequenceEqual("avis"u8) || brand.SequenceEqual("mif1"u8) || brand.SequenceEqual("msf1"u8)) return ImageFormat.Avif;
        }
        return null;
    }
}
