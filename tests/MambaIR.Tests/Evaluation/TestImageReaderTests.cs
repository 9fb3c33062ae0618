using MambaIR.Data;
using MambaIR.Evaluation;

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
