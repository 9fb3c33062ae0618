using MambaIR.Imaging;

namespace MambaIR.Tests.Imaging;

/// <summary>
/// Truncated or corrupt files are errors that name the file, never partial images. Before the move to libvips, a PNG
/// cut mid-data decoded with its missing rows transparent, and 71 of 72 truncated BMP/TIFF/WebP files decoded as
/// partial images (issue 8).
/// </summary>
public class StrictDecodingTests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("strict-decoding");
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void PngCutMidDataIsAnErrorNamingTheFile()
    {
        // bird_HR_x2.png: 120,453 bytes; the first 20,000 hold the header and part of the IDAT data
        byte[] all = File.ReadAllBytes(Path.Combine(TestPaths.Benchmarks, "Set5", "HR", "x2", "bird_HR_x2.png"));
        Assert.True(all.Length > 100_000);
        string cut = Path.Combine(_dir, "bird-cut.png");
        File.WriteAllBytes(cut, all[..20_000]);
        var e = Assert.Throws<InvalidDataException>(() => ImageFile.Read(cut));
        Assert.StartsWith(cut + ": truncated or corrupt PNG data (libvips: ", e.Message);
    }

    static RasterImage Photo(bool alpha)
    {
        var full = ImageFile.Read(Path.Combine(TestPaths.Benchmarks, "Set5", "HR", "x2", "butterfly_HR_x2.png"));
        var img = ImageResampler.Resize(full, 64, 96).ToOpaque8Bit();
        return alpha ? new RasterImage(96, 64, 3, img.Pixels, Enumerable.Range(0, 96 * 64).Select(i => (i % 7) / 6f).ToArray()) : img;
    }

    [Theory]
    [InlineData("bmp", false)]
    [InlineData("bmp", true)]
    [InlineData("tif", false)]
    [InlineData("tif", true)]
    [InlineData("webp", false)]
    [InlineData("webp", true)]
    [InlineData("png", true)]
    [InlineData("jpg", false)]
    public void TruncatedFilesAreErrors(string ext, bool alpha)
    {
        string good = Path.Combine(_dir, $"good.{ext}");
        ImageFile.Write(good, Photo(alpha));
        byte[] all = File.ReadAllBytes(good);
        Assert.Equal((96, 64), (ImageFile.Read(good).Width, ImageFile.Read(good).Height));
        for (int k = 1; k <= 12; k++)
        {
            int n = all.Length * k / 13;
            string cut = Path.Combine(_dir, $"cut{k}.{ext}");
            File.WriteAllBytes(cut, all[..n]);
            var e = Assert.Throws<InvalidDataException>(() => ImageFile.Read(cut));
            Assert.StartsWith(cut + ": ", e.Message);
        }
    }

    [Fact]
    public void CorruptPngChunkIsAnError()
    {
        string good = Path.Combine(_dir, "good.png");
        ImageFile.Write(good, Photo(false));
        byte[] all = File.ReadAllBytes(good);
        int idat = all.AsSpan().IndexOf("IDAT"u8);
        all[idat + 40] ^= 0x10; // inside the compressed data: the chunk CRC no longer matches
        string bad = Path.Combine(_dir, "bad.png");
        File.WriteAllBytes(bad, all);
        Assert.Contains("bad.png: truncated or corrupt PNG data", Assert.Throws<InvalidDataException>(() => ImageFile.Read(bad)).Message);
    }

    [Fact]
    public void GifWhoseFrameDataEndsEarlyIsAnError()
    {
        // A GIF made by libvips, then the frame width (image descriptor) doubled: libnsgif would fill the missing
        // half with the background colour and report success.
        string good = Path.Combine(_dir, "good.gif");
        using (var raw = NetVips.Image.NewFromMemory(Photo(false).ToBytesHwc(), 96, 64, 3, NetVips.Enums.BandFormat.Uchar))
        using (var srgb = raw.Copy(interpretation: NetVips.Enums.Interpretation.Srgb))
            File.WriteAllBytes(good, srgb.GifsaveBuffer());
        var img = ImageFile.Read(good);
        Assert.Equal((96, 64, 3), (img.Width, img.Height, img.Channels));
        Assert.Equal(ImageFormat.Gif, img.Metadata.SourceFormat);
        byte[] gif = File.ReadAllBytes(good);
        int p = 13 + ((gif[10] & 0x80) != 0 ? 3 << ((gif[10] & 7) + 1) : 0);
        while (gif[p] == 0x21) { p += 2; while (gif[p] != 0) p += gif[p] + 1; p++; }
        Assert.Equal(0x2C, gif[p]);
        // frame 192 wide on a 192-wide screen: consistent sizes, but LZW data for only half the pixels
        gif[6] = 192; gif[p + 5] = 192;
        string bad = Path.Combine(_dir, "wide.gif");
        File.WriteAllBytes(bad, gif);
        var e = Assert.Throws<InvalidDataException>(() => ImageFile.Read(bad));
        Assert.Contains("wide.gif: truncated or corrupt GIF data (the LZW data of the 192x64 frame ends after", e.Message);
    }

    [Fact]
    public void EmptyUnknownAndHeicFilesAreNamed()
    {
        string empty = Path.Combine(_dir, "empty.png");
        File.WriteAllBytes(empty, []);
        Assert.Contains("empty.png: empty file", Assert.Throws<InvalidDataException>(() => ImageFile.Read(empty)).Message);
        string text = Path.Combine(_dir, "notes.jpg");
        File.WriteAllText(text, "not an image");
        Assert.Contains("notes.jpg: not an image in a supported format", Assert.Throws<InvalidDataException>(() => ImageFile.Read(text)).Message);
        string heic = Path.Combine(_dir, "phone.heic");
        File.WriteAllBytes(heic, [0, 0, 0, 24, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'h', (byte)'e', (byte)'i', (byte)'c', 0, 0, 0, 0]);
        Assert.Contains("phone.heic: HEIC", Assert.Throws<InvalidDataException>(() => ImageFile.Read(heic)).Message);
    }
}
