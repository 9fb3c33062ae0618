using MambaIR.Imaging;
using static TorchSharp.torch;

namespace MambaIR.Tests.Imaging;

[Collection("torch")]
public class ImageFileTests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("imagefile");
    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Random samples on the exact k/(2^bits−1) grid, so a lossless round trip must be exact.</summary>
    internal static RasterImage Synthetic(int w, int h, int channels, int bitDepth, bool alpha, int seed = 1)
    {
        var rng = new Random(seed);
        int max = bitDepth == 16 ? 65535 : 255;
        float[] Plane(int n) => Enumerable.Range(0, n).Select(_ => rng.Next(max + 1) / (float)max).ToArray();
        var px = Plane(w * h * channels);
        px[0] = 0f; px[1] = 1f; // extremes
        return new RasterImage(w, h, channels, px, alpha ? Plane(w * h) : null, bitDepth);
    }

    static void AssertSame(RasterImage expected, RasterImage actual)
    {
        Assert.Equal((expected.Width, expected.Height, expected.Channels, expected.BitDepth),
                     (actual.Width, actual.Height, actual.Channels, actual.BitDepth));
        Assert.Equal(expected.Pixels, actual.Pixels);
        Assert.Equal(expected.Alpha, actual.Alpha);
    }

    [Theory]
    [InlineData("png", 1, 8, false)]
    [InlineData("png", 3, 8, false)]
    [InlineData("png", 1, 8, true)]
    [InlineData("png", 3, 8, true)]
    [InlineData("png", 1, 16, false)]
    [InlineData("png", 3, 16, false)]
    [InlineData("png", 1, 16, true)]
    [InlineData("png", 3, 16, true)]
    [InlineData("tif", 1, 8, false)]
    [InlineData("tif", 3, 8, false)]
    [InlineData("tiff", 1, 16, false)]
    [InlineData("tiff", 3, 16, false)]
    [InlineData("bmp", 3, 8, false)]
    [InlineData("bmp", 3, 8, true)]
    [InlineData("webp", 3, 8, false)]
    [InlineData("webp", 3, 8, true)]
    public void LosslessFormatsRoundTripExactly(string ext, int channels, int bits, bool alpha)
    {
        var img = Synthetic(37, 23, channels, bits, alpha);
        string path = Path.Combine(_dir, $"img.{ext}");
        ImageFile.Write(path, img);
        AssertSame(img, ImageFile.Read(path));
    }

    [Fact]
    public void BmpGreyIsWrittenAsRgbAndReadsBackReplicated()
    {
        var img = Synthetic(16, 9, 1, 8, false);
        string path = Path.Combine(_dir, "g.bmp");
        ImageFile.Write(path, img);
        var back = ImageFile.Read(path);
        Assert.Equal(3, back.Channels);
        AssertSame(img.ToChannels(3), back);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void JpegRoundTripIsCloseAndKeepsChannelCount(int channels)
    {
        // A smooth image with slowly varying chroma: JPEG q95 (4:2:0 for colour) stays within a few levels.
        int w = 64, h = 48;
        var px = new float[w * h * channels];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    px[(c * h + y) * w + x] = MathF.Round(255f * (0.5f + 0.4f * MathF.Sin(0.1f * x + 0.07f * y) + 0.05f * c)) / 255f;
        var img = new RasterImage(w, h, channels, px);
        string path = Path.Combine(_dir, "j.jpg");
        ImageFile.Write(path, img, new ImageWriteOptions { Quality = 95 });
        var back = ImageFile.Read(path);
        Assert.Equal(channels, back.Channels);
        Assert.Equal(8, back.BitDepth);
        Assert.Null(back.Alpha);
        var err = img.Pixels.Zip(back.Pixels).Select(p => Math.Abs(p.First - p.Second) * 255.0).ToArray();
        double maxErr = err.Max();
        Assert.InRange(err.Average(), 0, 1.0);
        Assert.InRange(maxErr, 0, 5);
        Assert.NotEqual(0, maxErr); // it really went through a lossy codec
    }

    [Fact]
    public void PalettePngBecomesRgbAndLowBitGreyBecomes8Bit()
    {
        // 4-colour palette image (2 bits per index), one colour translucent (tRNS), written from the PNG specification
        byte[] plte = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
        var idx = Enumerable.Range(0, 8 * 5).Select(i => i % 4).ToArray();
        var rows = new byte[5 * 2];
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 8; x++) rows[y * 2 + x / 4] |= (byte)(idx[y * 8 + x] << (6 - 2 * (x % 4)));
        string pal = Path.Combine(_dir, "pal.png");
        File.WriteAllBytes(pal, SpecPng.Encode(8, 5, 3, 2, rows, plte, trns: [255, 255, 255, 128]));
        var back = ImageFile.Read(pal);
        Assert.Equal((3, 8), (back.Channels, back.BitDepth));
        Assert.NotNull(back.Alpha);
        Assert.Equal(new byte[] { 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30 }, back.ToBytesHwc()[..12]);
        Assert.Equal(128, RasterImage.Quantize8(back.Alpha![3]));
        Assert.Equal(255, RasterImage.Quantize8(back.Alpha![0]));

        // 1-bit grey: samples 0/1 are black/white, i.e. 0 and 255 once expanded to 8 bits
        var grey = Enumerable.Range(0, 16 * 4).Select(i => i % 3 == 0 ? 1 : 0).ToArray();
        var bits = new byte[4 * 2];
        for (int i = 0; i < grey.Length; i++) bits[i / 8] |= (byte)(grey[i] << (7 - i % 8));
        string bw = Path.Combine(_dir, "bw.png");
        File.WriteAllBytes(bw, SpecPng.Encode(16, 4, 0, 1, bits));
        var g = ImageFile.Read(bw);
        Assert.Equal((1, 8), (g.Channels, g.BitDepth));
        Assert.Null(g.Alpha);
        Assert.Equal(grey.Select(v => v * 255 / 255f), g.Pixels);
    }

    [Fact]
    public void OpaqueRgbaPngKeepsDeclaredAlpha()
    {
        var img = Synthetic(8, 8, 3, 8, false);
        var opaque = new RasterImage(8, 8, 3, img.Pixels, Enumerable.Repeat(1f, 64).ToArray());
        string path = Path.Combine(_dir, "o.png");
        ImageFile.Write(path, opaque);
        Assert.Equal(opaque.Alpha, ImageFile.Read(path).Alpha);
    }

    [Fact]
    public void ReadsBenchmarkPngsAsExactBytes()
    {
        var rgb = ImageFile.Read(Path.Combine(TestPaths.Benchmarks, "Set5", "HR", "x2", "baby_HR_x2.png"));
        Assert.Equal((512, 512, 3, 8), (rgb.Width, rgb.Height, rgb.Channels, rgb.BitDepth));
        Assert.Null(rgb.Alpha);
        var grey = ImageFile.Read(Path.Combine(TestPaths.Benchmarks, "Set14", "x2", "img_003_SRF_2_HR.png"));
        Assert.Equal(1, grey.Channels);
        // every sample is exactly k/255f
        Assert.All(grey.Pixels.Take(5000), v => Assert.Equal(MathF.Round(v * 255f) / 255f, v));
    }

    [Fact]
    public void ErrorsNameTheFile()
    {
        string missing = Path.Combine(_dir, "nope.png");
        Assert.Contains("nope.png", Assert.Throws<FileNotFoundException>(() => ImageFile.Read(missing)).Message);

        string text = Path.Combine(_dir, "text.png");
        File.WriteAllText(text, "not an image at all");
        var e1 = Assert.Throws<InvalidDataException>(() => ImageFile.Read(text));
        Assert.Contains("text.png", e1.Message);

        string good = Path.Combine(_dir, "good.png");
        ImageFile.Write(good, Synthetic(64, 64, 3, 8, false));
        byte[] all = File.ReadAllBytes(good);
        string cut = Path.Combine(_dir, "cut.png");
        File.WriteAllBytes(cut, all[..(all.Length / 2)]);
        var e2 = Assert.Throws<InvalidDataException>(() => ImageFile.Read(cut));
        Assert.Contains("cut.png", e2.Message);

        Assert.Throws<NotSupportedException>(() => ImageFile.Write(Path.Combine(_dir, "x.gif"), Synthetic(4, 4, 3, 8, false)));
        Assert.Throws<NotSupportedException>(() => ImageFile.Write(Path.Combine(_dir, "x.xyz"), Synthetic(4, 4, 3, 8, false)));
        Assert.True(ImageFile.IsSupported("a/B.JPEG"));
        Assert.True(ImageFile.IsSupported("a/b.gif"));
        Assert.True(ImageFile.IsSupported("a/b.avif"));
        Assert.False(ImageFile.IsSupported("a/b.heic"));
        Assert.False(ImageFile.IsSupported("a/png"));
    }

    [Fact]
    public void TensorRoundTripAndQuantisation()
    {
        var img = Synthetic(5, 4, 3, 8, false);
        using var t = img.ToTensor();
        Assert.Equal(new long[] { 1, 3, 4, 5 }, t.shape);
        var back = RasterImage.FromTensor(t);
        Assert.Equal(img.Pixels, back.Pixels);

        // clamp + numpy-style round half to even: 0.5/255 → 0 (tie to even), 1.5/255 → 2, 2.5/255 → 2; out of range clamps
        using var u = tensor(new float[] { -0.3f, 0.5f / 255f, 1.5f / 255f, 2.5f / 255f, 1.7f, 0.2f }, new long[] { 1, 1, 2, 3 });
        var q = RasterImage.FromTensor(u);
        Assert.Equal(new byte[] { 0, 0, 2, 2, 255, 51 }, q.ToBytesHwc());
        using var bad = zeros(1, 4, 2, 2);
        Assert.Throws<ArgumentException>(() => RasterImage.FromTensor(bad));
    }

    [Fact]
    public void ToOpaque8Bit_QuantisesAsToBytesHwcAndDropsAlpha()
    {
        var img = new RasterImage(3, 1, 1, [0.5f, 1.2f, 0.1f], alpha: [0.3f, 1f, 0f], bitDepth: 16);
        var q = img.ToOpaque8Bit();
        Assert.Equal((8, 1), (q.BitDepth, q.Channels));
        Assert.Null(q.Alpha);
        Assert.Equal(new[] { 128 / 255f, 1f, 26 / 255f }, q.Pixels); // 127.5 → 128 (tie to even), clamp, 25.5 → 26
        Assert.Equal(img.ToBytesHwc(), q.ToBytesHwc());
    }

    [Fact]
    public void ChannelConversion()
    {
        var rgb = new RasterImage(1, 1, 3, new[] { 1f, 0.5f, 0f });
        Assert.Equal(0.299f + 0.587f * 0.5f, rgb.ToChannels(1).Pixels[0], 6);
        var grey = new RasterImage(2, 1, 1, new[] { 0.25f, 0.75f });
        Assert.Equal(new[] { 0.25f, 0.75f, 0.25f, 0.75f, 0.25f, 0.75f }, grey.ToChannels(3).Pixels);
        var hwc = rgb.ToBytesHwc();
        Assert.Equal(new byte[] { 255, 128, 0 }, hwc); // 127.5 → 128 (tie to even)
    }
}
