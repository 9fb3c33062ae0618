using System.Globalization;
using System.Text.RegularExpressions;
using MambaIR.Imaging;
using MambaIR.Metrics;
using Xunit.Abstractions;

namespace MambaIR.Tests.Metrics;

public class MetricsTests(ITestOutputHelper output)
{
    static string Set5 => Path.Combine(TestPaths.Benchmarks, "Set5");

    /// <summary>Per-image (name, psnr, ssim) and mean rows of "Method_1: RCAN" in RCAN's MATLAB result file.</summary>
    static (List<(string Name, double Psnr, double Ssim)> Rows, double MeanPsnr, double MeanSsim) ReadRcanResults(int scale)
    {
        var rows = new List<(string, double, double)>();
        double mp = double.NaN, ms = double.NaN;
        bool inRcan = false;
        var inv = CultureInfo.InvariantCulture;
        foreach (var line in File.ReadLines(Path.Combine(Set5, "RCAN", "PSNR_SSIM_Results_BI_model.txt")))
        {
            if (line.StartsWith("Method_")) { inRcan = line.StartsWith("Method_1: RCAN;"); continue; }
            if (!inRcan) continue;
            var m = Regex.Match(line, $@"^x{scale} \d+ (\w+)_RCAN_x{scale}\.png: PSNR= ([\d.]+) SSIM= ([\d.]+)$");
            if (m.Success) rows.Add((m.Groups[1].Value, double.Parse(m.Groups[2].Value, inv), double.Parse(m.Groups[3].Value, inv)));
            var mm = Regex.Match(line, $@"^x{scale}: PSNR= ([\d.]+) SSIM= ([\d.]+)$");
            if (mm.Success) { mp = double.Parse(mm.Groups[1].Value, inv); ms = double.Parse(mm.Groups[2].Value, inv); }
        }
        return (rows, mp, ms);
    }

    [Theory, Trait("Category", "Parity")]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ReproducesRcanMatlabResultsOnSet5(int scale)
    {
        var (rows, meanPsnr, meanSsim) = ReadRcanResults(scale);
        Assert.Equal(5, rows.Count);
        double sp = 0, ss = 0;
        foreach (var (name, psnrRef, ssimRef) in rows)
        {
            var sr = ImageFile.Read(Path.Combine(Set5, "RCAN", $"x{scale}", $"{name}_RCAN_x{scale}.png"));
            var hr = ImageFile.Read(Path.Combine(Set5, "HR", $"x{scale}", $"{name}_HR_x{scale}.png"));
            double p = Psnr.Calculate(sr, hr, cropBorder: scale, testYChannel: true);
            double s = Ssim.Calculate(sr, hr, cropBorder: scale, testYChannel: true);
            Assert.True(Math.Abs(p - psnrRef) <= 1e-4, $"x{scale} {name}: PSNR {p:F6} vs {psnrRef:F6}");
            Assert.True(Math.Abs(s - ssimRef) <= 1e-5, $"x{scale} {name}: SSIM {s:F6} vs {ssimRef:F6}");
            output.WriteLine($"x{scale} {name,-10} PSNR {p:F6} (file {psnrRef:F6}, diff {p - psnrRef:+0.0e+0;-0.0e+0;0})  SSIM {s:F6} (file {ssimRef:F6}, diff {s - ssimRef:+0.0e+0;-0.0e+0;0})");
            sp += p; ss += s;
        }
        output.WriteLine($"x{scale} mean       PSNR {sp / 5:F6} (file {meanPsnr:F6})  SSIM {ss / 5:F6} (file {meanSsim:F6})");
        Assert.True(Math.Abs(sp / 5 - meanPsnr) <= 1e-4, $"x{scale} mean PSNR {sp / 5:F6} vs {meanPsnr:F6}");
        Assert.True(Math.Abs(ss / 5 - meanSsim) <= 1e-5, $"x{scale} mean SSIM {ss / 5:F6} vs {meanSsim:F6}");
    }

    /// <summary>basicsr-textzoom.md §1.5: LRBI upsampled with the MATLAB bicubic (uint8 path), crop s, Y channel.</summary>
    [Theory, Trait("Category", "Parity")]
    [InlineData(2, 33.6741, 0.9303)]
    [InlineData(3, 30.4047, 0.8689)]
    [InlineData(4, 28.4302, 0.8111)]
    public void BicubicBaselineOnSet5(int scale, double psnrRef, double ssimRef)
    {
        double sp = 0, ss = 0;
        foreach (var name in new[] { "baby", "bird", "butterfly", "head", "woman" })
        {
            var lr = ImageFile.Read(Path.Combine(Set5, "LRBI", $"x{scale}", $"{name}_LRBI_x{scale}.png"));
            var hr = ImageFile.Read(Path.Combine(Set5, "HR", $"x{scale}", $"{name}_HR_x{scale}.png"));
            var up = MatlabBicubic.Resize(lr, scale);
            sp += Psnr.Calculate(up, hr, scale, true);
            ss += Ssim.Calculate(up, hr, scale, true);
        }
        output.WriteLine($"x{scale} bicubic: PSNR {sp / 5:F4} SSIM {ss / 5:F4}");
        Assert.Equal(psnrRef, sp / 5, 4);
        Assert.Equal(ssimRef, ss / 5, 4);
    }

    [Fact]
    public void PsnrBasics()
    {
        byte[] a = [10, 20, 30, 40], b = [10, 20, 30, 40];
        Assert.Equal(double.PositiveInfinity, Psnr.Calculate(a, b, 2, 2, 1));
        byte[] c = [12, 20, 30, 40]; // MSE = 4/4 = 1 → 20 log10(255)
        Assert.Equal(20 * Math.Log10(255), Psnr.Calculate(a, c, 2, 2, 1), 12);
        // crop removes the differing pixel
        var big = new byte[36]; var big2 = new byte[36]; big2[0] = 100;
        Assert.Equal(double.PositiveInfinity, Psnr.Calculate(big, big2, 6, 6, 1, cropBorder: 1));
        Assert.Throws<ArgumentException>(() => Psnr.Calculate(big, big2, 6, 6, 1, cropBorder: 3));
    }

    [Fact]
    public void YChannelUsesRgbWeightsOnRgbData()
    {
        // pure red / pure blue in RGB order
        var y = YCbCr.YChannel255(new byte[] { 255, 0, 0, 0, 0, 255 }, 2, 1, 3);
        Assert.Equal(16 + 65.481, y[0], 4);
        Assert.Equal(16 + 24.966, y[1], 4);
        var fy = YCbCr.Y(new RasterImage(1, 1, 3, new[] { 1f, 1f, 1f }));
        Assert.Equal(235 / 255.0, fy.Pixels[0], 6);
    }

    [Fact]
    public void SsimBasics()
    {
        var rng = new Random(3);
        var a = new byte[20 * 16 * 3]; rng.NextBytes(a);
        Assert.Equal(1.0, Ssim.Calculate(a, a, 20, 16, 3), 12);
        var b = (byte[])a.Clone(); for (int i = 0; i < b.Length; i += 7) b[i] ^= 0x40;
        double s = Ssim.Calculate(a, b, 20, 16, 3);
        Assert.InRange(s, 0.1, 0.99);
        Assert.Equal(1.0, Ssim.Window1D.Sum(), 14);
        Assert.Equal(0.266011724862, Ssim.Window1D[5], 11);
        Assert.Equal(0.001028380084, Ssim.Window1D[0], 11);
        Assert.Throws<ArgumentException>(() => Ssim.Calculate(a, b, 20, 16, 3, cropBorder: 3)); // 10 rows left < 11
    }
}
