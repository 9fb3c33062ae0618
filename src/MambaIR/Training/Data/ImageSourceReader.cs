using MambaIR.Evaluation;
using MambaIR.Imaging;

namespace MambaIR.Training.Data;

/// <summary>
/// Reads training images as BasicSR's <c>imfrombytes</c> does: colour reads are <c>IMREAD_COLOR</c> (grey replicated to
/// RGB, alpha dropped, 16-bit reduced to 8-bit); grey reads are <c>IMREAD_GRAYSCALE</c> with OpenCV's per-codec colour
/// conversion (<see cref="TestImageReader"/>). LMDB values are PNG bytes.
/// </summary>
internal static class ImageSourceReader
{
    public static RasterImage ReadFile(string path, int channels) => TestImageReader.Read(path, channels);

    public static RasterImage FromPngBytes(byte[] data, string name, int channels)
    {
        var img = ImageFile.Decode(data, name);
        if (img.Alpha != null || img.BitDepth != 8) img = img.ToOpaque8Bit();
        if (img.Channels == channels) return img;
        return channels == 3 ? img.ToChannels(3) : img.ToGreyOpenCv(OpenCvGrey.PngImread);
    }
}
