using MambaIR.Imaging;

namespace MambaIR.Tests.Imaging;

/// <summary><see cref="ImageResampler"/> against definitions: exact sizes, constants stay constant, a normalised symmetric
/// kernel reproduces a linear ramp away from the borders (pixel centres mapped x_in = (x_out + ½)·in/out − ½).</summary>
public class ImageResamplerTests
{
    static RasterImage Constant(int w, int h, int channels, float v, float? alpha, int bits) =>
        new(w, h, channels, Enumerable.Repeat(v, w * h * channels).ToArray(), alpha is { } a ? Enumerable.Repeat(a, w * h).ToArray() : null, bits);

    [Theory]
    [InlineData(37, 23, 100, 61)]   // up, non-integer factors
    [InlineData(37, 23, 13, 9)]     // down
    [InlineData(40, 30, 40, 90)]    // one axis only
    [InlineData(64, 64, 32, 32)]    // exact halving
    public void SizesAreExactAndConstantsStayConstant(int w, int h, int ow, int oh)
    {
        foreach (var (ch, alpha, bits) in new[] { (3, (float?)null, 8), (1, 0.5f, 16), (3, 1f, 8) })
        {
            var r = ImageResampler.Resize(Constant(w, h, ch, 0.3f, alpha, bits), oh, ow);
            Assert.Equal((ow, oh, ch, bits), (r.Width, r.Height, r.Channels, r.BitDepth));
            Assert.All(r.Pixels, v => Assert.Equal(0.3f, v, 1e-5f));
            if (alpha is { } a) Assert.All(r.Alpha!, v => Assert.Equal(a, v, 1e-5f));
            else Assert.Null(r.Alpha);
        }
    }

    static float Ramp(double x, double y) => (float)(0.1 + 0.8 * (0.6 * x / 200 + 0.4 * y / 150));

    [Theory]
    [InlineData(2.0)]
    [InlineData(0.5)]
    [InlineData(1.5)]
    public void LinearRampIsReproducedAwayFromTheBorders(double scale)
    {
        const int w = 200, h = 150;
        var px = new float[w * h];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) px[y * w + x] = Ramp(x, y);
        int ow = (int)(w / scale), oh = (int)(h / scale);
        var r = ImageResampler.Resize(new RasterImage(w, h, 1, px, null, 16), oh, ow);
        Assert.Equal((ow, oh), (r.Width, r.Height));
        int margin = (int)Math.Ceiling(4 / Math.Min(1, scale)) + 2; // Lanczos-3 support in output pixels, plus slack
        double worst = 0;
        for (int y = margin; y < oh - margin; y++)
            for (int x = margin; x < ow - margin; x++)
            {
                double xi = (x + 0.5) * w / ow - 0.5, yi = (y + 0.5) * h / oh - 0.5;
                worst = Math.Max(worst, Math.Abs(r[0, y, x] - Ramp(xi, yi)));
            }
        Assert.InRange(worst, 0, 2e-4);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(4.0)]
    [InlineData(0.4)]
    [InlineData(1.7)]
    public void CentresAreAlignedSoMirroringCommutesWithResizing(double factor)
    {
        // centre alignment maps the image's mirror axis onto the output's: resize(mirror(x)) = mirror(resize(x))
        const int w = 23, h = 9;
        var rng = new Random(5);
        var img = new RasterImage(w, h, 1, Enumerable.Range(0, w * h).Select(_ => (float)rng.NextDouble()).ToArray());
        var mirrored = new RasterImage(w, h, 1, Enumerable.Range(0, w * h).Select(i => img.Pixels[i / w * w + (w - 1 - i % w)]).ToArray());
        int ow = (int)Math.Round(w * factor);
        var a = ImageResampler.Resize(img, h, ow);
        var b = ImageResampler.Resize(mirrored, h, ow);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < ow; x++) Assert.Equal(a[0, y, ow - 1 - x], b[0, y, x], 1e-5f);
        // and a step between input pixels 11 and 12 (edge at 12.0) crosses ½ at output edge 12·ow/w
        var step = new RasterImage(w, 1, 1, Enumerable.Range(0, w).Select(x => x < 12 ? 0f : 1f).ToArray());
        var s = ImageResampler.Resize(step, 1, ow);
        double edge = 12.0 * ow / w; // in output pixel-edge coordinates
        int left = (int)Math.Floor(edge - 0.5), right = left + 1; // output centres either side of the edge
        Assert.True(s.Pixels[left] < 0.5f && s.Pixels[right] > 0.5f, $"step crosses ½ between outputs {left} and {right}: {s.Pixels[left]}, {s.Pixels[right]}");
    }

    [Fact]
    public void TransparentPixelsDoNotBleedColour()
    {
        // left half opaque red, right half fully transparent green: after resizing, every visible pixel is pure red
        const int w = 40, h = 20;
        var px = new float[3 * w * h];
        var a = new float[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                bool left = x < w / 2;
                px[i] = left ? 1 : 0; px[w * h + i] = left ? 0 : 1; a[i] = left ? 1 : 0;
            }
        var r = ImageResampler.Resize(new RasterImage(w, h, 3, px, a), 13, 27);
        int plane = r.PlaneSize, visible = 0;
        for (int i = 0; i < plane; i++)
        {
            if (r.Alpha![i] < 0.02f) continue;
            visible++;
            Assert.Equal(1f, r.Pixels[i], 2e-3f);
            Assert.Equal(0f, r.Pixels[plane + i], 2e-3f);
        }
        Assert.True(visible > plane / 3);
    }

    [Fact]
    public void MetadataIsKeptAndBadSizesAreRefused()
    {
        var meta = new ImageMetadata { XResolution = 300, YResolution = 300 };
        var img = Constant(10, 10, 3, 0.5f, null, 8).WithMetadata(meta);
        Assert.Same(meta, ImageResampler.Resize(img, 25, 25).Metadata);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageResampler.Resize(img, 0, 5));
    }
}
