using MambaIR.Imaging;

namespace MambaIR.Tests.Imaging;

/// <summary><see cref="Rgb8Image"/> decodes and encodes through <see cref="ImageFile"/> and keeps the exact uint8 samples.</summary>
public class Rgb8ImageTests
{
    static string Fixture(string name) => Path.Combine(TestPaths.RepoRoot, "tests", "MambaIR.Tests", "Imaging", "Fixtures", name);

    public static TheoryData<string> PngKinds() => ["rgb", "grey", "grey-alpha", "rgba", "palette", "rgb16"];

    /// <summary>
    /// PNGs written from the specification (<see cref="SpecPng"/>) with the RGB bytes PIL's <c>convert('RGB')</c> gives
    /// by definition: grey replicated, alpha dropped, palette looked up, 16-bit rounded to the nearest 8-bit level
    /// (round(v / 257) = ⌊(v + 128) / 257⌋; no ties occur).
    /// </summary>
    [Theory]
    [MemberData(nameof(PngKinds))]
    public void PngDecodesToTheDefinedRgbBytes(string kind)
    {
        const int w = 256, h = 256, n = w * h;
        var rng = new Random(kind.Length);
        byte[] file, expected;
        switch (kind)
        {
            case "rgb":
                expected = Bytes(rng, n * 3);
                file = SpecPng.Encode(w, h, 2, 8, expected);
                break;
            case "grey":
            {
                var g = Bytes(rng, n);
                file = SpecPng.Encode(w, h, 0, 8, g);
                expected = g.SelectMany(v => new[] { v, v, v }).ToArray();
                break;
            }
            case "grey-alpha":
            {
                var ga = Bytes(rng, n * 2);
                file = SpecPng.Encode(w, h, 4, 8, ga);
                expected = Enumerable.Range(0, n).SelectMany(i => new[] { ga[2 * i], ga[2 * i], ga[2 * i] }).ToArray();
                break;
            }
            case "rgba":
            {
                var rgba = Bytes(rng, n * 4);
                file = SpecPng.Encode(w, h, 6, 8, rgba);
                expected = Enumerable.Range(0, n).SelectMany(i => new[] { rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2] }).ToArray();
                break;
            }
            case "palette":
            {
                byte[][] colours = [[10, 20, 30], [200, 100, 0], [255, 255, 255], [0, 0, 0], [17, 240, 99]];
                var idx = Enumerable.Range(0, n).Select(i => (byte)((i * 31 / 7) % colours.Length)).ToArray();
                file = SpecPng.Encode(w, h, 3, 8, idx, colours.SelectMany(c => c).ToArray());
                expected = idx.SelectMany(i => colours[i]).ToArray();
                break;
            }
            default:
            {
                // every 16-bit value once (R), reversed (G), stepped (B)
                var rgb16 = Enumerable.Range(0, n).SelectMany(i => new[] { (ushort)i, (ushort)(65535 - i), (ushort)(i * 7) }).ToArray();
                file = SpecPng.Encode(w, h, 2, 16, SpecPng.BigEndian16(rgb16));
                expected = rgb16.Select(v => (byte)((v + 128) / 257)).ToArray();
                break;
            }
        }
        var img = Rgb8Image.Decode(file, kind);
        Assert.Equal((w, h), (img.Width, img.Height));
        Assert.Equal(expected, img.Pixels);
    }

    static byte[] Bytes(Random rng, int n) { var b = new byte[n]; rng.NextBytes(b); return b; }

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
