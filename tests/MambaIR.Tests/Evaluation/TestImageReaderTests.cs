using MambaIR.Data;
using MambaIR.Evaluation;
using MambaIR.Imaging;

namespace MambaIR.Tests.Evaluation;

public class TestImageReaderTests
{
    [Theory]
    // OpenCV 4.6: g = cv2.imread(f, cv2.IMREAD_GRAYSCALE).astype(np.int64);
    // g.sum(), (g * np.arange(g.size).reshape(g.shape) % 1000003).sum(), g[10, 17]
    [InlineData("Set5/original/butterfly.png", 256, 256, 8096020L, 31365492123L, 47)]
    [InlineData("Set14/x3/img_013_SRF_3_HR.png", 528, 654, 66698293L, 159978450964L, 163)]
    public void GreyRead_MatchesOpenCvImreadGrayscale(string file, int width, int height, long sum, long weighted, int at10x17)
    {
        var g = TestImageReader.Read(Path.Combine(TestPaths.Benchmarks, file), 1);
        Assert.Equal((width, height, 1), (g.Width, g.Height, g.Channels));
        var bytes = g.ToBytesHwc();
        Assert.Equal(sum, bytes.Sum(b => (long)b));
        long w = 0;
        for (int i = 0; i < bytes.Length; i++) w += bytes[i] * (long)i % 1000003;
        Assert.Equal(weighted, w);
        Assert.Equal(at10x17, bytes[10 * width + 17]);
    }

    [Theory, Trait("Category", "Parity")]
    // OpenCV 4.6: cv2.imread(f, IMREAD_GRAYSCALE) of the butterfly crop stored as a colour file of each format equals
    // Imaging/Fixtures/butterfly96_cvgrey.png (libpng), _cvgrey_bmp.png (imgcodecs: BMP, TIFF) or _cvtcolor.png (WebP).
    [InlineData("png", "butterfly96_cvgrey.png")]
    [InlineData("bmp", "butterfly96_cvgrey_bmp.png")]
    [InlineData("tif", "butterfly96_cvgrey_bmp.png")]
    [InlineData("webp", "butterfly96_cvtcolor.png")]
    public void GreyRead_ConvertsColourFilesAsOpenCvsCodecForTheFormat(string ext, string expected)
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            var rgb = ImageFile.Read(Path.Combine(TestPaths.Benchmarks, "Set5/HR/x4/butterfly_HR_x4.png")).Crop(0, 0, 96, 96);
            string file = Path.Combine(dir, "butterfly96." + ext);
            ImageFile.Write(file, rgb);
            var oracle = ImageFile.Read(Path.Combine(TestPaths.RepoRoot, "tests", "MambaIR.Tests", "Imaging", "Fixtures", expected));
            Assert.Equal(oracle.Pixels, TestImageReader.Read(file, 1).Pixels);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ColourRead_ReplicatesGreyFiles_AndCropsTopLeft()
    {
        var bridge = TestImageReader.Read(Path.Combine(TestPaths.Benchmarks, "Set14", "x2", "img_003_SRF_2_HR.png"), 3);
        Assert.Equal(3, bridge.Channels);
        Assert.Equal(bridge.Pixels.AsSpan(0, bridge.PlaneSize).ToArray(), bridge.Pixels.AsSpan(2 * bridge.PlaneSize, bridge.PlaneSize).ToArray());
        var crop = BenchmarkBuilder.ModCrop(bridge.Crop(0, 0, 11, 7), 4);
        Assert.Equal((8, 4), (crop.Width, crop.Height));
        Assert.Equal(bridge[1, 3, 5], crop[1, 3, 5]);
    }
}
