using MambaIR.Imaging;
using MambaIR.Inference;
using MambaIR.Models;

namespace MambaIR.Tests.Inference;

/// <summary>What restore writes: metadata carried from the input, any output scale, and conversions that warn.</summary>
[Collection("torch")]
public class RestoreOutputTests
{
    static readonly ImageRestorer Doubler = new(ModelDescriptor.ForFunction("nearest", StandInNetworks.NearestUpsampler(2), 2, 3), TilingPolicy.Whole);

    /// <summary>A phone-style JPEG made by libvips: 30 wide × 20 high as stored, EXIF orientation 6 (display rotated 90° clockwise), an ICC profile, 300 dpi.</summary>
    static (string Path, byte[] Icc) PhonePhoto(string dir)
    {
        string path = System.IO.Path.Combine(dir, "phone.jpg");
        using var srgb = NetVips.Image.Black(30, 20, bands: 3).Linear(new[] { 1.0, 1.0, 1.0 }, new[] { 200.0, 30.0, 30.0 }).Cast(NetVips.Enums.BandFormat.Uchar);
        using var marked = srgb.Mutate(m =>
        {
            // The left column of the stored image is dark: after rotating 90° clockwise it becomes the top row.
            m.DrawRect(new[] { 0.0, 0.0, 0.0 }, 0, 0, 3, 20, fill: true);
            m.Set(NetVips.GValue.GIntType, "orientation", 6);
            m.Set(NetVips.GValue.GStrType, "exif-ifd0-Make", "MambaIR Test Camera");
        });
        using var dense = marked.Copy(xres: 300 / 25.4, yres: 300 / 25.4);
        using var tagged = dense.IccTransform("srgb", embedded: false, inputProfile: "srgb");
        tagged.Jpegsave(path, q: 95, keep: NetVips.Enums.ForeignKeep.All, profile: "srgb");
        using var back = NetVips.Image.NewFromFile(path);
        return (path, (byte[])back.Get("icc-profile-data"));
    }

    [Fact]
    public void Outputs_are_upright_and_keep_exif_icc_and_resolution_unless_stripped()
    {
        string dir = TestPaths.NewTempDir(), output = System.IO.Path.Combine(dir, "out");
        var (photo, icc) = PhonePhoto(dir);
        var summary = new BatchRestorer(Doubler, new OutputNaming(output, "x2", OutputFormat.Png)).Run(new[] { photo }, recursive: false);
        var written = Assert.Single(summary.Restored).Output;
        var result = ImageFile.Read(written);
        Assert.Equal((40, 60), (result.Width, result.Height));         // 20×30 upright, ×2
        Assert.True(result[0, 0, 20] < 0.2f && result[0, 59, 20] > 0.6f); // the dark band is the top rows now
        Assert.Equal(1, result.Metadata.Orientation);
        Assert.Equal(icc, result.Metadata.Icc);
        Assert.Equal(300, result.Metadata.XResolution, 0.5);
        using (var vips = NetVips.Image.NewFromFile(written))
            Assert.Contains("MambaIR Test Camera", vips.Get("exif-ifd0-Make").ToString());

        var strippedRun = new BatchRestorer(Doubler, new OutputNaming(output, "plain", OutputFormat.Png), new RestoreOutputSettings { StripMetadata = true })
            .Run(new[] { photo }, recursive: false);
        var stripped = ImageFile.Read(Assert.Single(strippedRun.Restored).Output);
        Assert.Null(stripped.Metadata.Icc);
        Assert.Null(stripped.Metadata.Exif);
        Assert.Equal((40, 60), (stripped.Width, stripped.Height));      // still upright
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Outscale_resamples_to_any_size_after_the_network()
    {
        string dir = TestPaths.NewTempDir(), output = System.IO.Path.Combine(dir, "out");
        string file = System.IO.Path.Combine(dir, "a.png");
        ImageFile.Write(file, new RasterImage(20, 10, 3, Enumerable.Repeat(0.5f, 600).ToArray()));
        var summary = new BatchRestorer(Doubler, new OutputNaming(output, "s", OutputFormat.Png), new RestoreOutputSettings { OutScale = 3.5 })
            .Run(new[] { file }, recursive: false);
        var result = ImageFile.Read(Assert.Single(summary.Restored).Output);
        Assert.Equal((70, 35), (result.Width, result.Height));
        // The stand-in maps 0.5 to 2·0.5 + 0.1 = 1.1, clamped to 1: a constant image stays constant after resampling.
        Assert.All(result.Pixels, p => Assert.Equal(1f, p, 3));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Jpeg_output_of_an_image_with_alpha_or_16_bits_warns()
    {
        string dir = TestPaths.NewTempDir(), output = System.IO.Path.Combine(dir, "out");
        string file = System.IO.Path.Combine(dir, "deep.png");
        var alpha = Enumerable.Repeat(1f, 48).ToArray();
        alpha[0] = 0;
        ImageFile.Write(file, new RasterImage(8, 6, 3, Enumerable.Repeat(0.25f, 144).ToArray(), alpha, 16));
        var summary = new BatchRestorer(Doubler, new OutputNaming(output, "s", OutputFormat.Jpeg)).Run(new[] { file }, recursive: false);
        var done = Assert.Single(summary.Restored);
        Assert.EndsWith(".jpg", done.Output);
        Assert.Contains(done.Warnings!, w => w.Contains("alpha", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(done.Warnings!, w => w.Contains("16", StringComparison.Ordinal));
        Directory.Delete(dir, true);
    }
}
