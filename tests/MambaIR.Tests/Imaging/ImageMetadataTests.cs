using MambaIR.Imaging;
using NetVips;
using VImage = NetVips.Image;

namespace MambaIR.Tests.Imaging;

/// <summary>
/// EXIF orientation is applied on read; EXIF, ICC profile and resolution are copied to outputs, and stripped on request.
/// Fixtures are made with libvips (its EXIF writer, its built-in Display P3 profile), outputs checked with libvips'
/// own metadata reader (libexif), independently of <see cref="ImageFile"/>.
/// </summary>
public class ImageMetadataTests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("metadata");
    public void Dispose() => Directory.Delete(_dir, true);

    const int W = 40, H = 30;

    /// <summary>A 40×30 image with distinct pixels (a gradient with a mark in one corner).</summary>
    static byte[] Pixels()
    {
        var px = new byte[W * H * 3];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                int o = (y * W + x) * 3;
                px[o] = (byte)(x * 6); px[o + 1] = (byte)(y * 8); px[o + 2] = (byte)(x < 8 && y < 5 ? 255 : 40);
            }
        return px;
    }

    /// <summary>A JPEG (q 100, 4:4:4) made by libvips with EXIF Make/Model/DateTime, the given orientation, 300×150 dpi and optionally the P3 profile.</summary>
    string MakeJpeg(string name, int orientation, bool icc)
    {
        using var raw = VImage.NewFromMemory(Pixels(), W, H, 3, Enums.BandFormat.Uchar);
        using var srgb = raw.Copy(interpretation: Enums.Interpretation.Srgb, xres: 300 / 25.4, yres: 150 / 25.4);
        using var withIcc = icc ? srgb.IccTransform("p3") : srgb.Copy();
        using var tagged = withIcc.Mutate(m =>
        {
            m.Set(GValue.GIntType, "orientation", orientation);
            m.Set(GValue.GStrType, "exif-ifd0-Make", "Acme Optics");
            m.Set(GValue.GStrType, "exif-ifd0-Model", "Phone 9");
            m.Set(GValue.GStrType, "exif-ifd0-DateTime", "2024:05:06 07:08:09");
        });
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, tagged.JpegsaveBuffer(q: 100, subsampleMode: Enums.ForeignSubsample.Off));
        return path;
    }

    /// <summary>EXIF 2.3 orientation: the stored pixel shown at displayed (x, y) of an upright image of size (w, h) from a stored (sw, sh) one.</summary>
    static (int X, int Y) Stored(int o, int x, int y, int sw, int sh) => o switch
    {
        1 => (x, y),
        2 => (sw - 1 - x, y),
        3 => (sw - 1 - x, sh - 1 - y),
        4 => (x, sh - 1 - y),
        5 => (y, x),
        6 => (y, sh - 1 - x),
        7 => (sw - 1 - y, sh - 1 - x),
        _ => (sw - 1 - y, x),
    };

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)]
    [InlineData(5)] [InlineData(6)] [InlineData(7)] [InlineData(8)]
    public void OrientationIsAppliedOnRead(int orientation)
    {
        string path = MakeJpeg($"o{orientation}.jpg", orientation, icc: false);
        var stored = ImageFile.Decode(File.ReadAllBytes(path), path, applyOrientation: false);
        Assert.Equal((W, H), (stored.Width, stored.Height));
        Assert.Equal(orientation, stored.Metadata.Orientation);

        var upright = ImageFile.Read(path);
        bool swap = orientation >= 5;
        Assert.Equal(swap ? (H, W) : (W, H), (upright.Width, upright.Height));
        Assert.Equal(swap ? (H, W) : (W, H), ImageFile.ReadSize(path));
        Assert.Equal(1, upright.Metadata.Orientation);
        Assert.Equal(orientation, upright.Metadata.SourceOrientation);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < upright.Height; y++)
                for (int x = 0; x < upright.Width; x++)
                {
                    var (sx, sy) = Stored(orientation, x, y, W, H);
                    Assert.Equal(stored[c, sy, sx], upright[c, y, x]);
                }
        // the EXIF block now says 1, and so does an output written from it
        Assert.Equal(1, ExifOrientation(upright.Metadata.Exif!));
        string output = Path.Combine(_dir, $"o{orientation}-out.jpg");
        ImageFile.Write(output, upright);
        using var o = VImage.NewFromFile(output);
        Assert.Equal(1, (int)o.Get("orientation"));
        Assert.Equal(swap ? (H, W) : (W, H), (o.Width, o.Height));
    }

    static int ExifOrientation(byte[] exif)
    {
        // via libvips: attach the block to a 1×1 image, save, read the orientation libexif finds
        using var one = VImage.Black(1, 1).Cast(Enums.BandFormat.Uchar);
        using var t = one.Mutate(m => m.Set(GValue.BlobType, "exif-data", exif));
        using var back = VImage.NewFromBuffer(t.JpegsaveBuffer(keep: Enums.ForeignKeep.Exif));
        return (int)back.Get("orientation");
    }

    static string Field(VImage im, string name) => im.Contains(name) ? ((string)im.Get(name)).Split(" (")[0] : "<missing>";

    [Theory]
    [InlineData("jpg")]
    [InlineData("png")]
    [InlineData("webp")]
    [InlineData("tif")]
    [InlineData("bmp")]
    public void ExifIccAndResolutionAreCopiedToOutputs(string ext)
    {
        string src = MakeJpeg("src.jpg", 6, icc: true);
        using (var s = VImage.NewFromFile(src)) Assert.True(s.Contains("icc-profile-data"));
        byte[] icc;
        using (var s = VImage.NewFromFile(src)) icc = (byte[])s.Get("icc-profile-data");
        Assert.Equal("RGB ", System.Text.Encoding.ASCII.GetString(icc, 16, 4));

        var img = ImageFile.Read(src);
        Assert.Equal(icc, img.Metadata.Icc);
        // stored 300 × 150 dpi, turned a quarter by orientation 6: the upright image's x axis is the stored y axis
        Assert.Equal(150, img.Metadata.XResolution, 1e-6);
        Assert.Equal(300, img.Metadata.YResolution, 1e-6);
        Assert.NotNull(img.Metadata.Exif);

        string output = Path.Combine(_dir, "out." + ext);
        var warnings = ImageFile.Write(output, img);
        var back = ImageFile.Read(output);
        Assert.Equal(150, back.Metadata.XResolution, 0.02);   // PNG and BMP store whole pixels per metre: 5906 → 150.0124 dpi
        Assert.Equal(300, back.Metadata.YResolution, 0.02);   // 11811 → 299.9994 dpi
        if (ext == "bmp")
        {
            Assert.Equal(["BMP output: EXIF and ICC profile not written"], warnings);
            Assert.Null(back.Metadata.Exif);
            return;
        }
        using var o = VImage.NewFromFile(output);
        Assert.Equal(icc, (byte[])o.Get("icc-profile-data"));   // byte for byte
        Assert.Equal(icc, back.Metadata.Icc);
        if (ext == "tif")
        {
            Assert.Equal(["TIFF output: EXIF not written (the libvips TIFF writer does not store EXIF)"], warnings);
            return;
        }
        Assert.Empty(warnings);
        Assert.Equal("Acme Optics", Field(o, "exif-ifd0-Make"));
        Assert.Equal("Phone 9", Field(o, "exif-ifd0-Model"));
        Assert.Equal("2024:05:06 07:08:09", Field(o, "exif-ifd0-DateTime"));
        Assert.Equal(1, (int)o.Get("orientation"));
    }

    [Theory]
    [InlineData("jpg")]
    [InlineData("png")]
    [InlineData("webp")]
    [InlineData("tif")]
    public void StripRemovesExifAndIccAndResetsResolution(string ext)
    {
        var img = ImageFile.Read(MakeJpeg("src.jpg", 1, icc: true));
        string output = Path.Combine(_dir, "stripped." + ext);
        Assert.Empty(ImageFile.Write(output, img, new ImageWriteOptions { StripMetadata = true }));
        using var o = VImage.NewFromFile(output);
        Assert.False(o.Contains("icc-profile-data"));
        Assert.False(o.Contains("exif-data"));
        Assert.False(o.Contains("exif-ifd0-Make"));
        var back = ImageFile.Read(output);
        Assert.Null(back.Metadata.Exif);
        Assert.Null(back.Metadata.Icc);
        Assert.Equal(72, back.Metadata.XResolution, 0.05);
        Assert.Equal(72, back.Metadata.YResolution, 0.05);
    }

    [Fact]
    public void AnRgbProfileIsNotWrittenWithGreyPixels()
    {
        var img = ImageFile.Read(MakeJpeg("src.jpg", 1, icc: true));
        var grey = img.ToChannels(1);
        Assert.Same(img.Metadata, grey.Metadata);
        string output = Path.Combine(_dir, "grey.png");
        var warnings = ImageFile.Write(output, grey);
        Assert.Equal(["ICC profile is for 'RGB' data but the image is grey: profile not written"], warnings);
        using var o = VImage.NewFromFile(output);
        Assert.False(o.Contains("icc-profile-data"));
        Assert.Equal("Acme Optics", Field(o, "exif-ifd0-Make"));
    }

    [Fact]
    public void ImagesMadeInMemoryCarryNoMetadata()
    {
        string output = Path.Combine(_dir, "plain.jpg");
        Assert.Empty(ImageFile.Write(output, RasterImage.FromBytesHwc(Pixels(), W, H, 3)));
        using var o = VImage.NewFromFile(output);
        Assert.False(o.Contains("exif-data"));
        Assert.False(o.Contains("icc-profile-data"));
        var back = ImageFile.Read(output);
        Assert.Equal(ImageFormat.Jpeg, back.Metadata.SourceFormat);
        Assert.Equal(72, back.Metadata.XResolution, 1e-6);
    }
}
