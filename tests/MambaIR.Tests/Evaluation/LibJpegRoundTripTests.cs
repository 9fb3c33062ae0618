using MambaIR.Evaluation;

namespace MambaIR.Tests.Evaluation;

public class LibJpegRoundTripTests
{
    static (long Sum, long Weighted) Checksum(byte[] v)
    {
        long sum = 0, weighted = 0;
        for (int i = 0; i < v.Length; i++) { sum += v[i]; weighted += v[i] * (long)i % 1000003; }
        return (sum, weighted);
    }

    [Fact]
    public void Grey_MatchesOpenCvImencodeImdecode()
    {
        // OpenCV 4.6: g = imread(butterfly, IMREAD_GRAYSCALE); d = imdecode(imencode('.jpg', g, [IMWRITE_JPEG_QUALITY, 10]), 0)
        // d.sum(), (d * arange(d.size).reshape(d.shape) % 1000003).sum()
        var g = TestImageReader.Read(Path.Combine(TestPaths.Benchmarks, "Set5", "original", "butterfly.png"), 1);
        Assert.Equal((8094069L, 31175181504L), Checksum(LibJpegRoundTrip.Apply(g, 10).ToBytesHwc()));
    }

    [Fact]
    public void Colour_MatchesOpenCvImencodeImdecode()
    {
        // OpenCV 4.6: c = imread(img_005, IMREAD_COLOR); d = cvtColor(imdecode(imencode('.jpg', c, [IMWRITE_JPEG_QUALITY, 40]), 1), BGR2RGB)
        var c = TestImageReader.Read(Path.Combine(TestPaths.Benchmarks, "Set14", "x3", "img_005_SRF_3_HR.png"), 3);
        var d = LibJpegRoundTrip.Apply(c, 40);
        Assert.Equal((249, 360, 3), (d.Width, d.Height, d.Channels));
        Assert.Equal((37635003L, 133481508938L), Checksum(d.ToBytesHwc()));
    }
}
