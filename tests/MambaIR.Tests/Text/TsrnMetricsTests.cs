using MambaIR.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Tests.Text;

[Collection("torch")]
public class TsrnMetricsTests
{
    [Fact]
    public void PsnrPoolsTheWholeBatchAndIgnoresTheMaskChannel()
    {
        using var hr = torch.full(2, 4, 8, 8, 0.5f);
        using var sr = hr.clone();
        sr[0, 0] += 2 / 255f;        // image 0: squared error 4 on 64 of its 256 RGB values
        sr[1, 1] += 10 / 255f;       // image 1: squared error 100 on 64 of 256
        sr[.., 3] += 0.7f;           // mask channel: ignored
        double mse = (64 * 4.0 + 64 * 100.0) / (2 * 3 * 64);
        Assert.Equal(20 * Math.Log10(255 / Math.Sqrt(mse)), TsrnMetrics.Psnr(sr, hr), 3);
        // Pooling differs from the mean of per-image PSNRs.
        double perImage = (TsrnMetrics.Psnr(sr[0..1], hr[0..1]) + TsrnMetrics.Psnr(sr[1..2], hr[1..2])) / 2;
        Assert.True(Math.Abs(perImage - TsrnMetrics.Psnr(sr, hr)) > 1);
        Assert.Equal(double.PositiveInfinity, TsrnMetrics.Psnr(hr, hr));
    }

    [Fact]
    public void SsimMatchesNaiveZeroPaddedDefinition()
    {
        var g = new torch.Generator(3);
        using var hr = torch.rand(2, 3, 12, 14, generator: g);
        using var sr = (hr + 0.1 * torch.randn(2, 3, 12, 14, generator: g)).clamp(0, 1);
        Assert.Equal(1.0, TsrnMetrics.Ssim(hr, hr), 5);
        Assert.Equal(NaiveSsim(sr, hr), TsrnMetrics.Ssim(sr, hr), 5);
    }

    /// <summary>pytorch-ssim written out with loops in double: Gaussian(11, 1.5) window, zero padding 5, mean of the map.</summary>
    static double NaiveSsim(Tensor a, Tensor b)
    {
        var w1 = Enumerable.Range(0, 11).Select(i => Math.Exp(-(i - 5) * (i - 5) / (2 * 1.5 * 1.5))).ToArray();
        double s = w1.Sum();
        var w = w1.Select(v => v / s).ToArray();
        int n = (int)a.shape[0], c = 3, h = (int)a.shape[2], wd = (int)a.shape[3];
        var x = a.to(float64).data<double>().ToArray();
        var y = b.to(float64).data<double>().ToArray();
        double total = 0;
        for (int i = 0; i < n; i++) for (int ch = 0; ch < c; ch++) for (int r = 0; r < h; r++) for (int q = 0; q < wd; q++)
                    {
                        double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
                        for (int u = -5; u <= 5; u++) for (int v = -5; v <= 5; v++)
                            {
                                int rr = r + u, qq = q + v;
                                if (rr < 0 || rr >= h || qq < 0 || qq >= wd) continue;
                                double k = w[u + 5] * w[v + 5];
                                int idx = ((i * c + ch) * h + rr) * wd + qq;
                                mx += k * x[idx]; my += k * y[idx]; xx += k * x[idx] * x[idx]; yy += k * y[idx] * y[idx]; xy += k * x[idx] * y[idx];
                            }
                        double sx = xx - mx * mx, sy = yy - my * my, sxy = xy - mx * my;
                        const double c1 = 1e-4, c2 = 9e-4;
                        total += (2 * mx * my + c1) * (2 * sxy + c2) / ((mx * mx + my * my + c1) * (sx + sy + c2));
                    }
        return total / (n * c * h * wd);
    }

    [Fact]
    public void NormalizerFollowsStrFilt()
    {
        Assert.Equal("helloworld42", TextNormalizer.Lower("Hello, World! 42"));
        Assert.Equal("caf1", TextNormalizer.Lower("Café 1"));
        Assert.Equal("Caf-1!", TextNormalizer.All("Café -1!"));
        Assert.True(TextNormalizer.IsMatch("HELLO", "hello!"));
        Assert.False(TextNormalizer.IsMatch("hell0", "hello"));
    }
}
