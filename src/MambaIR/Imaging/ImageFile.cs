using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Tiff.Constants;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace MambaIR.Imaging;

/// <summary>
/// Reads and writes PNG, JPEG, BMP, TIFF and WebP files as <see cref="RasterImage"/> (SixLabors.ImageSharp 2.1).
/// <para>Reading keeps 16-bit PNG/TIFF as 16-bit, keeps grey (PNG grey, JPEG 1-component, TIFF grey) as one
/// channel, expands palettes to RGB and returns alpha separately: alpha is kept when the file declares an alpha
/// channel (PNG grey+alpha / RGBA) or when any pixel is not fully opaque (palette tRNS, BMP, TIFF, WebP).</para>
/// <para>Writing picks the format from the extension. PNG and TIFF are written with 16 bits when
/// <see cref="RasterImage.BitDepth"/> is 16 (16-bit TIFF uncompressed, by <see cref="Tiff16Writer"/>); alpha is
/// written to PNG, WebP and BMP (32-bit) and dropped for JPEG and TIFF (ImageSharp 2.1 has no TIFF alpha writer).
/// BMP has no grey mode here: grey is written as 24-bit and reads back as RGB. WebP is written lossless. JPEG is read
/// and written by <see cref="JpegCodec"/> (libjpeg-turbo, pixel-identical to OpenCV): baseline YCbCr 4:2:0,
/// 1-component for grey.</para>
/// </summary>
public static class ImageFile
{
    static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"];

    /// <summary>True when the extension is one this class reads and writes.</summary>
    public static bool IsSupported(string path) =>
        Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>File extensions handled (lower case, with dot).</summary>
    public static IReadOnlyList<string> SupportedExtensions => Extensions;

    /// <summary>Reads an image file. Errors name the file: missing, unsupported format, truncated or corrupt.</summary>
    public static RasterImage Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"image file not found: {path}", path);
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new IOException($"cannot read image file {path}: {e.Message}", e); }
        return Decode(data, path);
    }

    /// <summary>Width and height from the file header, without decoding the pixels. Errors name the file.</summary>
    public static (int Width, int Height) ReadSize(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"image file not found: {path}", path);
        IImageInfo? info;
        try { info = Image.Identify(path); }
        catch (Exception e) when (e is ImageFormatException or InvalidImageContentException or NotSupportedException or IOException)
        { throw new InvalidDataException($"image {path} is unreadable: {e.Message}", e); }
        return info == null
            ? throw new InvalidDataException($"image {path}: unrecognised or unsupported format (supported: PNG, JPEG, BMP, TIFF, WebP)")
            : (info.Width, info.Height);
    }

    /// <summary>Decodes an encoded image held in memory; <paramref name="name"/> is used in error messages.</summary>
    public static RasterImage Decode(byte[] data, string name)
    {
        if (data.Length == 0) throw new InvalidDataException($"image {name} is empty (0 bytes)");
        IImageFormat? format = Image.DetectFormat(data);
        if (format == null)
            throw new InvalidDataException($"image {name}: unrecognised or unsupported format (supported: PNG, JPEG, BMP, TIFF, WebP)");
        try
        {
            return format switch
            {
                PngFormat => DecodePng(data),
                JpegFormat => JpegCodec.Decode(data, name),
                TiffFormat => DecodeTiff(data),
                BmpFormat or WebpFormat => DecodeRgb8(data),
                _ => throw new InvalidDataException($"image {name}: format {format.Name} is not supported (supported: PNG, JPEG, BMP, TIFF, WebP)"),
            };
        }
        catch (Exception e) when (e is ImageFormatException or InvalidImageContentException or NotSupportedException
                                    or IndexOutOfRangeException or ArgumentException or EndOfStreamException)
        {
            throw new InvalidDataException($"image {name} ({format.Name}) is truncated or corrupt: {e.Message}", e);
        }
    }

    /// <summary>Writes an image; the format follows the extension. Creates the parent folder if needed.</summary>
    public static void Write(string path, RasterImage img, int jpegQuality = 95)
    {
        ArgumentNullException.ThrowIfNull(img);
        byte[] bytes = Encode(img, Path.GetExtension(path), jpegQuality);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>
    /// Encodes to the format named by <paramref name="extension"/> (".png", "jpg", ...). <paramref name="pngCompressionLevel"/>
    /// (0–9) only changes file size, never pixels.
    /// </summary>
    public static byte[] Encode(RasterImage img, string extension, int jpegQuality = 95, int pngCompressionLevel = 6)
    {
        string ext = extension.StartsWith('.') ? extension.ToLowerInvariant() : "." + extension.ToLowerInvariant();
        return ext switch
        {
            ".png" => EncodePng(img, pngCompressionLevel),
            ".jpg" or ".jpeg" => JpegCodec.Encode(img, jpegQuality),
            ".tif" or ".tiff" => EncodeTiff(img),
            ".bmp" => EncodeBmp(img),
            ".webp" => EncodeWebp(img),
            _ => throw new NotSupportedException($"cannot write '{extension}' images (supported: {string.Join(", ", Extensions)})"),
        };
    }

    /// <summary>PNG bytes at the given zlib compression level (0–9), 16-bit when <see cref="RasterImage.BitDepth"/> is 16.</summary>
    public static byte[] EncodePng(RasterImage img, int compressionLevel = 6)
    {
        if (compressionLevel is < 0 or > 9) throw new ArgumentOutOfRangeException(nameof(compressionLevel), compressionLevel, "PNG compression level must be 0..9");
        bool wide = img.BitDepth == 16, grey = img.Channels == 1, alpha = img.Alpha != null;
        var enc = new PngEncoder
        {
            BitDepth = wide ? PngBitDepth.Bit16 : PngBitDepth.Bit8,
            ColorType = (grey, alpha) switch
            {
                (true, false) => PngColorType.Grayscale,
                (true, true) => PngColorType.GrayscaleWithAlpha,
                (false, false) => PngColorType.Rgb,
                _ => PngColorType.RgbWithAlpha,
            },
            CompressionLevel = (PngCompressionLevel)compressionLevel,
            TransparentColorMode = PngTransparentColorMode.Preserve,
        };
        return wide ? Save(PixelConvert.ToRgba64(img), enc) : Save(PixelConvert.ToRgba32(img), enc);
    }

    static byte[] EncodeTiff(RasterImage img)
    {
        if (img.BitDepth == 16) return Tiff16Writer.Encode(img);
        bool grey = img.Channels == 1;
        var enc = new TiffEncoder
        {
            BitsPerPixel = grey ? TiffBitsPerPixel.Bit8 : TiffBitsPerPixel.Bit24,
            PhotometricInterpretation = grey ? TiffPhotometricInterpretation.BlackIsZero : TiffPhotometricInterpretation.Rgb,
            Compression = TiffCompression.Deflate,
        };
        return Save(PixelConvert.ToRgba32(img, dropAlpha: true), enc);
    }

    static byte[] EncodeBmp(RasterImage img)
    {
        bool alpha = img.Alpha != null;
        var enc = new BmpEncoder { BitsPerPixel = alpha ? BmpBitsPerPixel.Pixel32 : BmpBitsPerPixel.Pixel24, SupportTransparency = alpha };
        return Save(PixelConvert.ToRgba32(img), enc);
    }

    static byte[] EncodeWebp(RasterImage img) =>
        Save(PixelConvert.ToRgba32(img), new WebpEncoder { FileFormat = WebpFileFormatType.Lossless, Quality = 100, Method = WebpEncodingMethod.Level4, TransparentColorMode = WebpTransparentColorMode.Preserve });

    internal static byte[] Save<TPixel>(Image<TPixel> image, IImageEncoder encoder) where TPixel : unmanaged, IPixel<TPixel>
    {
        using (image)
        {
            using var ms = new MemoryStream();
            image.Save(ms, encoder);
            return ms.ToArray();
        }
    }

    static RasterImage DecodePng(byte[] data)
    {
        var info = Image.Identify(data) ?? throw new InvalidImageContentException("no PNG header");
        var meta = info.Metadata.GetPngMetadata();
        bool grey = meta.ColorType is PngColorType.Grayscale or PngColorType.GrayscaleWithAlpha;
        bool declaredAlpha = meta.ColorType is PngColorType.GrayscaleWithAlpha or PngColorType.RgbWithAlpha;
        if (meta.BitDepth == PngBitDepth.Bit16)
        {
            using var img16 = Image.Load<Rgba64>(data);
            return PixelConvert.FromRgba64(img16, grey ? 1 : 3, declaredAlpha);
        }
        using var img = Image.Load<Rgba32>(data);
        return PixelConvert.FromRgba32(img, grey ? 1 : 3, declaredAlpha);
    }

    static RasterImage DecodeTiff(byte[] data)
    {
        using var img = Image.Load<Rgba64>(data);
        var frame = img.Frames.RootFrame.Metadata.GetTiffMetadata();
        bool grey = frame.PhotometricInterpretation is TiffPhotometricInterpretation.BlackIsZero or TiffPhotometricInterpretation.WhiteIsZero;
        bool wide = frame.BitsPerSample is { } bps && bps.Channel0 > 8;
        return PixelConvert.FromRgba64(img, grey ? 1 : 3, keepAlpha: false, eightBit: !wide);
    }

    static RasterImage DecodeRgb8(byte[] data)
    {
        using var img = Image.Load<Rgba32>(data);
        return PixelConvert.FromRgba32(img, 3, keepAlpha: false);
    }
}
