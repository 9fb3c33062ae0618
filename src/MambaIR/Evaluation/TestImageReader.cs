using MambaIR.Imaging;

namespace MambaIR.Evaluation;

/// <summary>
/// Reads test images the way the official loaders do (<c>cv2.imread</c> then BGR→RGB): colour for 3-channel models,
/// with grey files replicated to 3 channels (<c>IMREAD_COLOR</c>); grey for 1-channel models, with colour files
/// converted as <c>IMREAD_GRAYSCALE</c> converts them, which depends on the codec OpenCV hands the file to
/// (<see cref="RasterImage.ToGreyOpenCv"/>): PNG goes through libpng's <c>png_set_rgb_to_gray(0.299, 0.587)</c>
/// (<see cref="OpenCvGrey.PngImread"/>; checked against OpenCV 4.6 on all 19 colour Set5/Set14 PNGs, 3.8 M pixels,
/// 0 differences), WebP through <c>cvtColor(BGR2GRAY)</c> (<see cref="OpenCvGrey.CvtColor"/>), other formats (BMP,
/// TIFF, and JPEG approximately: libjpeg would output the file's own Y plane) through imgcodecs' own conversion
/// (<see cref="OpenCvGrey.BmpTiffImread"/>). They disagree on up to about 40 % of pixels, by 1 level.
/// The ground truth therefore stays exactly 8-bit. Alpha is dropped and 16-bit reduced to 8-bit.
/// </summary>
public static class TestImageReader
{
    /// <summary>Reads <paramref name="path"/> with <paramref name="channels"/> (1 or 3) colour channels and no alpha.</summary>
    public static RasterImage Read(string path, int channels)
    {
        var img = ImageFile.Read(path);
        if (img.Alpha != null || img.BitDepth != 8) img = img.ToOpaque8Bit(); // IMREAD_COLOR / IMREAD_GRAYSCALE do the same
        if (img.Channels == channels) return img;
        return channels == 3 ? img.ToChannels(3) : img.ToGreyOpenCv(ImreadGreyConversion(path));
    }

    /// <summary>The conversion <c>IMREAD_GRAYSCALE</c> applies to a colour file, by its signature.</summary>
    static OpenCvGrey ImreadGreyConversion(string path)
    {
        Span<byte> head = stackalloc byte[12];
        int n;
        using (var f = File.OpenRead(path)) n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (n >= 4 && head[0] == 0x89 && head[1..4].SequenceEqual("PNG"u8)) return OpenCvGrey.PngImread;
        if (n >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return OpenCvGrey.CvtColor;
        return OpenCvGrey.BmpTiffImread;
    }
}
