using MambaIR.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace MambaIR.Tests.Imaging;

/// <summary><see cref="Rgb8Image"/> decodes and encodes through <see cref="ImageFile"/> and keeps the exact uint8 samples.</summary>
public class Rgb8ImageTests
{
    static string Fixture(string name) => Path.Combine(TestPaths.RepoRoot, "tests", "MambaIR.Tests", "Imaging", "Fixtures", name);

    static byte[] Png<TPixel>(Image<TPixel> img, PngColorType colour, PngBitDepth depth) where TPixel : unmanaged, IPixel<TPixel>
    {
        using (img)
        using (var ms = new MemoryStream())
        {
            img.Save(ms, new PngEncoder { ColorType = colour, BitDepth = depth, TransparentColorMode = PngTransparentColorMode.Preserve });
            return ms.ToArray();
        }
    }

    /// <summary>What PIL's <c>convert('RGB')</c> gives for 8-bit files, here via ImageSharp's own RGB24 conversion.</summary>
    static byte[] ImageSharpRgb24(byte[] file)
    {
        using var img = Image.Load<Rgb24>(file);
        var px = new byte[img.Width * img.Height * 3];
        img.CopyPixelDataTo(px);
        return px;
    }

    public static TheoryData<string> PngKinds() => ["rgb", "grey", "grey-alpha", "rgba", "palette", "rgb16"];

    [Theory]
    [MemberData(nameof(PngKinds))]
    public void PngDecodesToTheSameRgbBytesAsAnRgb24Load(string kind)
    {
        const int w = 256, h = 256;
        var rng = new Random(kind.Length);
        byte[] file = kind switch
        {
            "rgb" => Png(Image.LoadPixelData<Rgb24>(Bytes(rng, w * h * 3), w, h), PngColorType.Rgb, PngBitDepth.Bit8),
            "grey" => Png(Image.LoadPixelData<L8>(Bytes(rng, w * h), w, h), PngColorType.Grayscale, PngBitDepth.Bit8),
            "grey-alpha" => Png(Image.LoadPixelData<La16>(Bytes(rng, w * h * 2), w, h), PngColorType.GrayscaleWithAlpha, PngBitDepth.Bit8),
            "rgba" => Png(Image.LoadPixelData<Rgba32>(Bytes(rng, w * h * 4), w, h), PngColorType.RgbWithAlpha, PngBitDepth.Bit8),
            "palette" => Png(Image.LoadPixelData<Rgb24>(Palette(w * h), w, h), PngColorType.Palette, PngBitDepth.Bit8),
            // every 16-bit value once (R), reversed (G), stepped (B)
            _ => Png(Image.LoadPixelData<Rgb48>(Enumerable.Range(0, w * h).Select(i => new Rgb48((ushort)i, (ushort)(65535 - i), (ushort)(i * 7))).ToArray(), w, h),
                     PngColorType.Rgb, PngBitDepth.Bit16),
        };
        var img = Rgb8Image.Decode(file, kind);
        Assert.Equal((w, h), (img.Width, img.Height));
        Assert.Equal(ImageSharpRgb24(file), img.Pixels);
    }

    static byte[] Bytes(Random rng, int n) { var b = new byte[n]; rng.NextBytes(b); return b; }

    static byte[] Palette(int pixels)
    {
        byte[][] colours = [[10, 20, 30], [200, 100, 0], [255, 255, 255], [0, 0, 0], [17, 240, 99]];
        return Enumerable.Range(0, pixels).SelectMany(i => colours[(i * 31 / 7) % colours.Length]).ToArray();
    }

    [Theory]
    [InlineData("butterfly96", 10)]
    [InlineData("butterfly96", 40)]
    [InlineData("img003grey96", 10)]
    public void JpegDecodesLikeLibjpegTurbo(string name, int quality)
    {
        // OpenCV's decode (libjpeg-turbo, islow IDCT, fancy up-sampling: the decoder Pillow uses too); grey is replicated to RGB.
        var expected = ImageFile.Read(Fixture($"{name}_q{quality}_cvdec.png")).ToChannels(3).ToBytesHwc();
        Assert.Equal(expected, Rgb8Image.Decode(File.ReadAllBytes(Fixture($"{name}_q{quality}_cv.jpg")), name).Pixels);
    }

    [Fact]
    public void EncodersRoundTripThroughImageFile()
    {
        var img = new Rgb8Image(33, 17, Bytes(new Random(3), 33 * 17 * 3));
        Assert.Equal(img.Pixels, Rgb8Image.Decode(img.EncodePng(), "png").Pixels);
        var jpeg = Rgb8Image.Decode(img.EncodeJpeg(75), "jpeg");
        Assert.Equal(JpegCodec.RoundTrip(img.ToRaster(), 75).ToBytesHwc(), jpeg.Pixels);
        Assert.Equal(img.Pixels, Rgb8Image.FromRaster(img.ToRaster()).Pixels);
    }

    [Fact]
    public void UnreadableBytesNameTheSample()
    {
        var e = Assert.Throws<InvalidDataException>(() => Rgb8Image.Decode("not an image"u8.ToArray(), "test/000000003 LR"));
        Assert.Contains("test/000000003 LR", e.Message);
    }
}
