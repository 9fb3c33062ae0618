using MambaIR.Imaging;

namespace MambaIR.Tests.Imaging;

/// <summary><see cref="ImageFile.Write"/>: what each format keeps, the warnings for what it cannot, options, atomicity.</summary>
public class ImageWriteTests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("imagewrite");
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void JpegOfAnImageWithAlphaIsCompositedOntoBlackWithAWarning()
    {
        // a flat colour at alpha 0.5: the JPEG holds colour × alpha
        const int w = 32, h = 16;
        var img = new RasterImage(w, h, 3, Enumerable.Repeat(0.8f, 3 * w * h).ToArray(), Enumerable.Repeat(0.5f, w * h).ToArray());
        string path = Path.Combine(_dir, "a.jpg");
        var warnings = ImageFile.Write(path, img);
        Assert.Equal(["JPEG cannot store alpha: composited onto black"], warnings);
        var back = ImageFile.Read(path);
        Assert.Null(back.Alpha);
        Assert.All(back.Pixels, v => Assert.InRange(v * 255, 102 - 1.5, 102 + 1.5)); // 0.8 · 0.5 · 255 = 102
    }

    [Theory]
    [InlineData("jpg", "JPEG is 8-bit: 16-bit values rounded to 8 bits")]
    [InlineData("webp", "WebP is 8-bit: 16-bit values rounded to 8 bits")]
    [InlineData("bmp", "BMP is 8-bit: 16-bit values rounded to 8 bits")]
    public void SixteenBitToAnEightBitFormatIsRoundedWithAWarning(string ext, string warning)
    {
        var img = ImageFileTests.Synthetic(24, 16, 3, 16, false);
        string path = Path.Combine(_dir, "deep." + ext);
        Assert.Equal([warning], ImageFile.Write(path, img));
        var back = ImageFile.Read(path);
        Assert.Equal(8, back.BitDepth);
        if (ext != "jpg") Assert.Equal(img.ToBytesHwc(), back.ToBytesHwc()); // lossless formats: exactly the rounded samples
    }

    [Theory]
    [InlineData("png")]
    [InlineData("tif")]
    public void PngAndTiffKeepSixteenBitsAndAlphaWithoutWarnings(string ext)
    {
        var img = ImageFileTests.Synthetic(24, 16, 3, 16, true);
        string path = Path.Combine(_dir, "deep." + ext);
        Assert.Empty(ImageFile.Write(path, img));
        var back = ImageFile.Read(path);
        Assert.Equal((16, 3), (back.BitDepth, back.Channels));
        Assert.Equal(img.Pixels, back.Pixels);
        Assert.Equal(img.Alpha, back.Alpha);
    }

    [Fact]
    public void QualityAndCompressionOptions()
    {
        // a smooth image (compressible, unlike noise), on the 8-bit grid
        const int w = 64, h = 48;
        var px = new float[3 * w * h];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    px[(c * h + y) * w + x] = MathF.Round(255f * (0.5f + 0.4f * MathF.Sin(0.13f * x + 0.09f * y + c))) / 255f;
        var img = new RasterImage(w, h, 3, px);
        long Size(string name, ImageWriteOptions o) { string p = Path.Combine(_dir, name); ImageFile.Write(p, img, o); return new FileInfo(p).Length; }
        Assert.True(Size("q30.jpg", new() { Quality = 30 }) < Size("q95.jpg", new() { Quality = 95 }));
        Assert.True(Size("lossy.webp", new() { Quality = 50 }) < Size("lossless.webp", new()));
        Assert.True(Size("c9.png", new() { PngCompression = 9 }) < Size("c0.png", new() { PngCompression = 0 }));
        Assert.Equal(img.Pixels, ImageFile.Read(Path.Combine(_dir, "c0.png")).Pixels);
        Assert.Equal(img.Pixels, ImageFile.Read(Path.Combine(_dir, "lossless.webp")).Pixels);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFile.Write(Path.Combine(_dir, "x.jpg"), img, new() { Quality = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFile.Write(Path.Combine(_dir, "x.png"), img, new() { PngCompression = 10 }));
    }

    [Fact]
    public void FormatAndExtensionMustAgree()
    {
        var img = ImageFileTests.Synthetic(8, 8, 3, 8, false);
        var e = Assert.Throws<ArgumentException>(() => ImageFile.Write(Path.Combine(_dir, "x.png"), img, new() { Format = ImageFormat.Jpeg }));
        Assert.Contains("x.png", e.Message);
        string noExt = Path.Combine(_dir, "scratch");
        ImageFile.Write(noExt, img, new() { Format = ImageFormat.WebP });
        Assert.Equal(ImageFormat.WebP, ImageFile.Read(noExt).Metadata.SourceFormat);
        Assert.Throws<NotSupportedException>(() => ImageFile.Write(Path.Combine(_dir, "x.avif"), img));
        Assert.Throws<NotSupportedException>(() => ImageFile.Write(Path.Combine(_dir, "y"), img));
    }

    [Fact]
    public void KeepSourceChoosesAWritableFormat()
    {
        Assert.Equal(ImageFormat.Tiff, ImageFile.OutputFormatFor(OutputFormat.KeepSource, ImageFormat.Tiff, out var n1));
        Assert.Null(n1);
        Assert.Equal(ImageFormat.Bmp, ImageFile.OutputFormatFor(OutputFormat.KeepSource, ImageFormat.Bmp, out _));
        Assert.Equal(ImageFormat.Png, ImageFile.OutputFormatFor(OutputFormat.KeepSource, ImageFormat.Gif, out var n2));
        Assert.Equal("GIF is not written: output is PNG", n2);
        Assert.Equal(ImageFormat.Jpeg, ImageFile.OutputFormatFor(OutputFormat.Jpeg, ImageFormat.Avif, out var n3));
        Assert.Null(n3);
    }

    [Fact]
    public void WritesAreAtomicAndErrorsNameTheOutput()
    {
        var img = ImageFileTests.Synthetic(8, 8, 3, 8, false);
        string path = Path.Combine(_dir, "sub", "deeper", "a.png");
        ImageFile.Write(path, img);
        Assert.Equal(["a.png"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        // a folder where the file should go: the write fails, names the path, and leaves no temporary file
        string blocked = Path.Combine(_dir, "blocked.png");
        Directory.CreateDirectory(blocked);
        var e = Assert.Throws<IOException>(() => ImageFile.Write(blocked, img));
        Assert.Contains(blocked, e.Message);
        Assert.Equal(["a.png"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        Assert.DoesNotContain(Directory.GetFiles(_dir), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public void LegacyEncodeRefusesLossyConversions()
    {
        var deep = ImageFileTests.Synthetic(8, 8, 3, 16, true);
        Assert.Throws<NotSupportedException>(() => ImageFile.Encode(deep, ".jpg"));
        Assert.Equal(deep.Pixels, ImageFile.Decode(ImageFile.Encode(deep, ".png"), "png").Pixels);
    }
}
