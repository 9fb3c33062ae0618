using MambaIR.Imaging;

namespace MambaIR.Evaluation;

/// <summary>
/// Reads test images the way the official loaders do (<c>cv2.imread</c> then BGR→RGB): colour for 3-channel models,
/// with grey files replicated to 3 channels (<c>IMREAD_COLOR</c>); grey for 1-channel models, with colour files
/// converted as <c>IMREAD_GRAYSCALE</c> converts them, which depends on the codec OpenCV hands the file to:
/// PNG goes through libpng's <c>png_set_rgb_to_gray(0.299, 0.587)</c>, i.e. <c>(9797 R + 19234 G + 3737 B) ≫ 15</c>
/// (truncating; checked against OpenCV 4.6 on all 19 colour Set5/Set14 PNGs, 3.8 M pixels, 0 differences); other formats
/// (BMP, TIFF, WebP, and JPEG approximately: libjpeg would output the file's own Y plane) go through OpenCV's
/// <c>(4899 R + 9617 G + 1868 B + 8192) ≫ 14</c>. The two disagree on about 40 % of pixels, by 1 level.
/// The ground truth therefore stays exactly 8-bit. Alpha is dropped and 16-bit reduced to 8-bit.
/// </summary>
public static class TestImageReader
{
    /// <summary>Reads <paramref name="path"/> with <paramref name="channels"/> (1 or 3) colour channels and no alpha.</summary>
    public static RasterImage Read(string path, int channels)
    {
        var img = ImageFile.Read(path);
        if (img.Alpha != null || img.BitDepth != 8)
        {
            // IMREAD_COLOR / IMREAD_GRAYSCALE drop alpha and reduce 16-bit to 8-bit.
            var bytes = img.ToBytesHwc();
            img = RasterImage.FromBytesHwc(bytes, img.Width, img.Height, img.Channels);
        }
        if (img.Channels == channels) return img;
        return channels == 3 ? img.ToChannels(3) : img.ToGreyOpenCv(IsPng(path) ? OpenCvGrey.PngImread : OpenCvGrey.BmpTiffImread);
    }

    static bool IsPng(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var f = File.OpenRead(path);
        return f.Read(head) == 4 && head[0] == 0x89 && head[1] == (byte)'P' && head[2] == (byte)'N' && head[3] == (byte)'G';
    }
}
