using MambaIR.IO;

namespace MambaIR.Imaging;

/// <summary>
/// Reads PNG, JPEG, BMP, TIFF, WebP, GIF and AVIF files as <see cref="RasterImage"/> with their
/// <see cref="ImageMetadata"/>, and writes PNG, JPEG, TIFF, WebP and BMP. Decoding and encoding go through libvips
/// (<see cref="VipsCodec"/>), BMP through a managed codec (<see cref="BmpCodec"/>: the libvips build has none).
/// <para>Reading is strict: truncated or corrupt data is an <see cref="InvalidDataException"/> whose message names the
/// file and what is wrong ("photo.png: truncated or corrupt PNG data (libvips: ...)"), never a partial image. EXIF
/// orientation is applied (pixels come upright, <see cref="ImageMetadata.Orientation"/> is 1). 16-bit PNG/TIFF stay
/// 16-bit, grey files (PNG grey, 1-component JPEG, TIFF grey) stay one channel, palettes become RGB, CMYK/Lab become
/// sRGB; alpha is returned separately, kept when the file declares it (PNG grey+alpha / RGBA) or when a pixel is not
/// opaque (palette tRNS, BMP, TIFF, WebP, GIF). Multi-page files give their first page.</para>
/// <para>Writing: see <see cref="Write"/>. Temp file + rename (<see cref="AtomicFile"/>): an output is complete or absent.</para>
/// </summary>
public static class ImageFile
{
    /// <summary>True when the extension is one this class reads.</summary>
    public static bool IsSupported(string path) => Path.GetExtension(path) is { Length: > 0 } ext && ImageFormats.FromExtension(ext) != null;

    /// <summary>File extensions read (lower case, with dot): .png .jpg .jpeg .bmp .tif .tiff .webp .gif .avif.</summary>
    public static IReadOnlyList<string> SupportedExtensions => ImageFormats.Extensions;

    /// <summary>Reads an image file with its metadata, EXIF orientation applied. Errors name the file: missing,
    /// unreadable, unsupported format, truncated or corrupt (<see cref="InvalidDataException"/>).</summary>
    public static RasterImage Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"image file not found: {path}", path);
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new IOException($"cannot read image file {path}: {e.Message}", e); }
        return Decode(data, path);
    }

    /// <summary>Width and height (upright, after the EXIF orientation) from the file header, without decoding the pixels.</summary>
    public static (int Width, int Height) ReadSize(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"image file not found: {path}", path);
        var head = new byte[64];
        int n;
        try
        {
            using var f = File.OpenRead(path);
            n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new IOException($"cannot read image file {path}: {e.Message}", e); }
        var format = Identify(head.AsSpan(0, n), path);
        return format == ImageFormat.Bmp
            ? BmpCodec.ReadSize(File.ReadAllBytes(path), path)
            : VipsCodec.ReadSize(path, path, format, applyOrientation: true);
    }

    /// <summary>Decodes an encoded image held in memory; <paramref name="name"/> is used in error messages.
    /// <paramref name="applyOrientation"/>: turn the pixels as the EXIF orientation says (as <see cref="Read"/> does).</summary>
    public static RasterImage Decode(byte[] data, string name, bool applyOrientation = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        var format = Identify(data, name);
        return format == ImageFormat.Bmp ? BmpCodec.Decode(data, name) : VipsCodec.Decode(data, name, format, applyOrientation);
    }

    /// <summary>The format of encoded bytes by their signature; an <see cref="InvalidDataException"/> naming <paramref name="name"/> when none.</summary>
    public static ImageFormat Identify(ReadOnlySpan<byte> data, string name)
    {
        if (data.Length == 0) throw new InvalidDataException($"{name}: empty file (0 bytes), not an image");
        if (ImageFormats.Detect(data) is { } f) return f;
        if (ImageFormats.LooksLikeHeic(data))
            throw new InvalidDataException($"{name}: HEIC (HEVC-coded HEIF) images are not supported (no HEVC decoder in this build; AVIF is)");
        throw new InvalidDataException($"{name}: not an image in a supported format ({ImageFormats.ReadableList}): unrecognised file signature");
    }

    /// <summary>
    /// Writes an image (creating the folder) through a temporary file and a rename, and returns what the format could
    /// not store. The format is <see cref="ImageWriteOptions.Format"/> or else the extension's. PNG and TIFF keep 16 bits
    /// and alpha; WebP keeps alpha (lossless unless a quality is given); JPEG output of an image with alpha is composited
    /// onto black and 16-bit is rounded to 8 bits, each with a warning; BMP is 8-bit RGB(A). EXIF, ICC profile and
    /// resolution are copied from <see cref="RasterImage.Metadata"/> unless <see cref="ImageWriteOptions.StripMetadata"/>
    /// (TIFF stores no EXIF, BMP neither EXIF nor ICC: a warning says so).
    /// </summary>
    /// <exception cref="NotSupportedException">A format that is not written (GIF, AVIF) or an unknown extension.</exception>
    /// <exception cref="IOException">The file cannot be written; the message names it.</exception>
    public static IReadOnlyList<string> Write(string path, RasterImage img, ImageWriteOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(img);
        options ??= ImageWriteOptions.Default;
        var byExtension = ImageFormats.FromExtension(Path.GetExtension(path));
        ImageFormat format;
        if (options.Format is { } f)
        {
            if (byExtension is { } e && e != f)
                throw new ArgumentException($"{path}: the extension says {ImageFormats.Name(e)} but {ImageFormats.Name(f)} was asked for; name the file {ImageFormats.Extension(f)}");
            format = f;
        }
        else format = byExtension ?? throw new NotSupportedException(
            $"{path}: cannot tell the format from the extension '{Path.GetExtension(path)}' (writable: {ImageFormats.WritableList})");
        var encoded = Encode(img, format, options);
        try { AtomicFile.WriteAllBytes(path, encoded.Bytes); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new IOException($"cannot write {path}: {e.Message}", e); }
        return encoded.Warnings;
    }

    /// <summary>Encodes as <see cref="Write"/> does, in memory.</summary>
    public static EncodedImage Encode(RasterImage img, ImageFormat format, ImageWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(img);
        options ??= ImageWriteOptions.Default;
        if (options.Quality is { } q && q is < 1 or > 100)
            throw new ArgumentOutOfRangeException(nameof(options), q, $"quality must be 1..100, got {q}");
        if (options.PngCompression is < 0 or > 9)
            throw new ArgumentOutOfRangeException(nameof(options), options.PngCompression, $"PNG compression level must be 0..9, got {options.PngCompression}");
        if (!ImageFormats.CanWrite(format))
            throw new NotSupportedException($"{ImageFormats.Name(format)} images are not written (writable: {ImageFormats.WritableList})");
        var warnings = new List<string>();
        byte[] bytes;
        if (format == ImageFormat.Bmp)
        {
            if (img.BitDepth == 16) warnings.Add("BMP is 8-bit: 16-bit values rounded to 8 bits");
            if (!options.StripMetadata && (img.Metadata.Exif != null || img.Metadata.Icc != null))
                warnings.Add("BMP output: EXIF and ICC profile not written");
            bool strip = options.StripMetadata;
            bytes = BmpCodec.Encode(img, strip ? 72 : img.Metadata.XResolution, strip ? 72 : img.Metadata.YResolution);
        }
        else bytes = VipsCodec.Encode(img, format, options, warnings);
        return new EncodedImage(bytes, warnings);
    }

    /// <summary>
    /// Pixels only (no metadata, as <c>cv2.imencode</c>), in the format named by <paramref name="extension"/>
    /// (".png", "jpg", ...). For data preparation; a conversion that would lose something (alpha or 16 bits to JPEG,
    /// 16 bits to WebP/BMP) is refused with <see cref="NotSupportedException"/>: use <see cref="Encode(RasterImage, ImageFormat, ImageWriteOptions?)"/>
    /// to accept it with warnings.
    /// </summary>
    public static byte[] Encode(RasterImage img, string extension, int jpegQuality = ImageWriteOptions.DefaultJpegQuality, int pngCompressionLevel = 6)
    {
        var format = ImageFormats.FromExtension(extension) ?? throw new NotSupportedException(
            $"cannot write '{extension}' images (writable: {ImageFormats.WritableList})");
        var r = Encode(img.WithMetadata(ImageMetadata.None), format, new ImageWriteOptions
        {
            Quality = format == ImageFormat.Jpeg ? jpegQuality : null, PngCompression = pngCompressionLevel, StripMetadata = true,
        });
        if (r.Warnings.Count > 0) throw new NotSupportedException($"{ImageFormats.Name(format)} cannot hold this image as it is: {string.Join("; ", r.Warnings)}");
        return r.Bytes;
    }

    /// <summary>PNG bytes of the pixels only (no metadata) at zlib level 0–9, 16-bit when <see cref="RasterImage.BitDepth"/> is 16.</summary>
    public static byte[] EncodePng(RasterImage img, int compressionLevel = 6)
    {
        ArgumentNullException.ThrowIfNull(img);
        if (compressionLevel is < 0 or > 9) throw new ArgumentOutOfRangeException(nameof(compressionLevel), compressionLevel, "PNG compression level must be 0..9");
        return Encode(img.WithMetadata(ImageMetadata.None), ImageFormat.Png, new ImageWriteOptions { PngCompression = compressionLevel, StripMetadata = true }).Bytes;
    }

    /// <summary>
    /// The format to write for <paramref name="choice"/> given the input's <paramref name="source"/> format:
    /// <see cref="OutputFormat.KeepSource"/> keeps a writable source format and gives PNG for GIF and AVIF, saying so
    /// in <paramref name="note"/> (null otherwise).
    /// </summary>
    public static ImageFormat OutputFormatFor(OutputFormat choice, ImageFormat source, out string? note)
    {
        note = null;
        switch (choice)
        {
            case OutputFormat.Png: return ImageFormat.Png;
            case OutputFormat.Jpeg: return ImageFormat.Jpeg;
            case OutputFormat.WebP: return ImageFormat.WebP;
            case OutputFormat.Tiff: return ImageFormat.Tiff;
            case OutputFormat.KeepSource:
                if (ImageFormats.CanWrite(source)) return source;
                note = $"{ImageFormats.Name(source)} is not written: output is PNG";
                return ImageFormat.Png;
            default: throw new ArgumentOutOfRangeException(nameof(choice), choice, "unknown output format");
        }
    }
}
