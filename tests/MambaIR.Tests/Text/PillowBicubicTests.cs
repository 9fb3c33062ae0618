using MambaIR.Imaging;

namespace MambaIR.Tests.Text;

/// <summary>
/// Pillow BICUBIC. There is no Pillow here, so the fixed-point implementation is checked against (1) values worked out by
/// hand from the definition, (2) an independent double-precision transcription of the definition (whole-axis sums of the
/// Keys kernel, no tap bookkeeping, no fixed point), where only fixed-point rounding can differ, (3) invariants.
/// </summary>
public class PillowBicubicTests
{
    [Fact]
    public void KernelIsKeysCubicWithAMinusHalf()
    {
        Assert.Equal(1.0, PillowBicubic.Kernel(0));
        Assert.Equal(0.0, PillowBicubic.Kernel(1));
        Assert.Equal(0.0, PillowBicubic.Kernel(2));
        Assert.Equal(0.8671875, PillowBicubic.Kernel(0.25), 12);   // (1.5·0.25 − 2.5)·0.0625 + 1
        Assert.Equal(0.2265625, PillowBicubic.Kernel(-0.75), 12);
        Assert.Equal(-0.0703125, PillowBicubic.Kernel(1.25), 12);  // ((1.25−5)·1.25+8)·1.25−4)·(−0.5)
        Assert.Equal(-0.0625, PillowBicubic.Kernel(1.5), 12);
    }

    [Fact]
    public void HandComputedDownscaleFourToTwo()
    {
        // scale 2 → support 4. Output 0: center 1, taps 0..3 at (j−1+0.5)/2 = −0.25, 0.25, 0.75, 1.25 →
        // k = .8671875, .8671875, .2265625, −.0703125 (sum 1.890625); (0·.867+100·.867+200·.2266−255·.0703)/1.890625 = 60.35 → 60.
        // Output 1: center 3, same weights mirrored: (100·.2266+200·.867+255·.867)/1.890625 = 220.68 → 221.
        Assert.Equal(new byte[] { 60, 221 }, PillowBicubic.Resize(new byte[] { 0, 100, 200, 255 }, 4, 1, 1, 2, 1));
    }

    [Fact]
    public void HandComputedUpscaleTwoToFourClipsOvershoot()
    {
        // scale 0.5, support 2. Output 0: center .25, taps 0,1 at .25, 1.25 → .8671875, −.0703125 (sum .796875):
        // 255·(−.0703125/.796875) = −22.5 → clipped to 0. Output 1: center .75 → .8671875, .2265625: 255·.2265625/1.09375 = 52.8 → 53.
        Assert.Equal(new byte[] { 0, 53, 202, 255 }, PillowBicubic.Resize(new byte[] { 0, 255 }, 2, 1, 1, 4, 1));
        Assert.Equal(new byte[] { 15, 35, 55 }, PillowBicubic.Resize(new byte[] { 10, 20, 30, 40, 50, 60 }, 6, 1, 1, 3, 1));
        // The same along the vertical axis (a column) gives the same numbers.
        Assert.Equal(new byte[] { 60, 221 }, PillowBicubic.Resize(new byte[] { 0, 100, 200, 255 }, 1, 4, 1, 1, 2));
    }

    [Fact]
    public void SameSizeIsIdentity()
    {
        var img = RandomImage(13, 7, 3, seed: 1);
        Assert.Equal(img, PillowBicubic.Resize(img, 13, 7, 3, 13, 7));
    }

    [Theory]
    [InlineData(300, 70, 128, 32)]
    [InlineData(37, 11, 128, 32)]
    [InlineData(200, 50, 64, 16)]
    [InlineData(90, 40, 128, 32)]
    public void ConstantImageStaysConstant(int w, int h, int ow, int oh)
    {
        foreach (byte v in new byte[] { 0, 1, 77, 254, 255 })
        {
            var img = Enumerable.Repeat(v, w * h * 3).ToArray();
            Assert.All(PillowBicubic.Resize(img, w, h, 3, ow, oh), p => Assert.Equal(v, p));
        }
    }

    [Theory]
    [InlineData(300, 70, 128, 32)]  // downscale both (antialiased, support 2·scale)
    [InlineData(37, 11, 128, 32)]   // upscale both
    [InlineData(200, 50, 64, 16)]
    [InlineData(90, 40, 128, 32)]   // up in x, down in y
    [InlineData(128, 50, 128, 32)]  // vertical pass only
    [InlineData(77, 32, 128, 32)]   // horizontal pass only
    public void MatchesIndependentDoubleTranscription(int w, int h, int ow, int oh)
    {
        foreach (var img in new[] { RandomImage(w, h, 3, seed: w * h), SmoothImage(w, h) })
        {
            byte[] got = PillowBicubic.Resize(img, w, h, 3, ow, oh);
            // Two passes in double with the uint8 intermediate: only fixed-point weight rounding may differ (≤ 1 level, rarely).
            byte[] twoPass = Reference(img, w, h, 3, ow, oh, roundIntermediate: true);
            int maxDiff = 0, mismatches = 0;
            for (int i = 0; i < got.Length; i++)
            {
                int d = Math.Abs(got[i] - twoPass[i]);
                maxDiff = Math.Max(maxDiff, d);
                if (d != 0) mismatches++;
            }
            Assert.True(maxDiff <= 1, $"max |fixed − double| = {maxDiff}");
            Assert.True(mismatches <= got.Length / 200, $"{mismatches} of {got.Length} values differ");
            // With a clamped but unrounded intermediate the result moves by at most half a level times Σ|vertical weights| (< 1.3).
            byte[] exact = Reference(img, w, h, 3, ow, oh, roundIntermediate: false);
            Assert.True(got.Zip(exact).All(p => Math.Abs(p.First - p.Second) <= 2));
        }
    }

    [Fact]
    public void RejectsWrongBufferSize()
    {
        var e = Assert.Throws<ArgumentException>(() => PillowBicubic.Resize(new byte[10], 2, 2, 3, 1, 1));
        Assert.Contains("12", e.Message);
    }

    /// <summary>The definition written independently: every source sample j gets k((j + 0.5 − center)/fs) (zero outside
    /// the support), normalised over the image; horizontal first; the intermediate is clamped to [0,255] and optionally rounded.</summary>
    static byte[] Reference(byte[] src, int w, int h, int c, int ow, int oh, bool roundIntermediate)
    {
        static double K(double x)
        {
            x = Math.Abs(x);
            const double a = -0.5;
            return x < 1 ? (a + 2) * x * x * x - (a + 3) * x * x + 1 : x < 2 ? a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a : 0;
        }
        static double[,] Weights(int n, int m)
        {
            double scale = (double)n / m, fs = Math.Max(1, scale);
            var W = new double[m, n];
            for (int o = 0; o < m; o++)
            {
                double center = (o + 0.5) * scale, sum = 0;
                for (int j = 0; j < n; j++) sum += W[o, j] = K((j + 0.5 - center) / fs);
                for (int j = 0; j < n; j++) W[o, j] /= sum;
            }
            return W;
        }
        static double Round8(double v) => Math.Clamp(Math.Floor(v + 0.5), 0, 255);

        var mid = new double[h, ow, c];
        if (ow == w) { for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int ch = 0; ch < c; ch++) mid[y, x, ch] = src[(y * w + x) * c + ch]; }
        else
        {
            var Wh = Weights(w, ow);
            for (int y = 0; y < h; y++) for (int x = 0; x < ow; x++) for (int ch = 0; ch < c; ch++)
                    {
                        double s = 0;
                        for (int j = 0; j < w; j++) s += Wh[x, j] * src[(y * w + j) * c + ch];
                        mid[y, x, ch] = roundIntermediate ? Round8(s) : Math.Clamp(s, 0, 255);
                    }
        }
        var outp = new byte[ow * oh * c];
        var Wv = oh == h ? null : Weights(h, oh);
        for (int y = 0; y < oh; y++) for (int x = 0; x < ow; x++) for (int ch = 0; ch < c; ch++)
                {
                    double s = 0;
                    if (Wv == null) s = mid[y, x, ch];
                    else for (int j = 0; j < h; j++) s += Wv[y, j] * mid[j, x, ch];
                    outp[(y * ow + x) * c + ch] = (byte)Round8(s);
                }
        return outp;
    }

    static byte[] RandomImage(int w, int h, int c, int seed)
    {
        var b = new byte[w * h * c];
        new Random(seed).NextBytes(b);
        return b;
    }

    static byte[] SmoothImage(int w, int h)
    {
        var b = new byte[w * h * 3];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++)
            {
                b[(y * w + x) * 3] = (byte)(255.0 * x / Math.Max(1, w - 1));
                b[(y * w + x) * 3 + 1] = (byte)(127.5 + 127.5 * Math.Sin(x * 0.3 + y * 0.2));
                b[(y * w + x) * 3 + 2] = (byte)((x / 4 + y / 4) % 2 * 255);
            }
        return b;
    }
}
