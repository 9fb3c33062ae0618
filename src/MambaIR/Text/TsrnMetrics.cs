using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Text;

/// <summary>
/// PSNR and SSIM as the STISR code computes them (TextZoom <c>utils/ssim_psnr.py</c>, used by TSRN/TBSRN/TPGSR/TATT),
/// which is what the published TextZoom PSNR/SSIM columns mean. Both work on a whole batch of RGB images in [0,1]
/// (first three channels, no clamping, no border crop, no Y channel) and return one number per batch; a subset's value
/// is the mean over its batches, so it depends on the batch size (1 = the per-image mean).
/// </summary>
public static class TsrnMetrics
{
    /// <summary>PSNR = 20·log10(255 / √MSE) with MSE = mean((sr·255 − hr·255)²) over every value of the batch; +∞ when equal.</summary>
    public static double Psnr(Tensor sr, Tensor hr)
    {
        using var scope = torch.NewDisposeScope();
        var d = sr[.., ..3].to(float32).mul(255) - hr[.., ..3].to(float32).mul(255);
        double mse = d.pow(2).mean().item<float>();
        return mse == 0 ? double.PositiveInfinity : 20 * Math.Log10(255.0 / Math.Sqrt(mse));
    }

    /// <summary>
    /// pytorch-ssim: 11×11 Gaussian window (σ = 1.5, normalised), depthwise conv with zero padding 5 ("same" size),
    /// C1 = 0.01², C2 = 0.03², mean of the SSIM map over the whole batch.
    /// </summary>
    public static double Ssim(Tensor sr, Tensor hr)
    {
        using var scope = torch.NewDisposeScope();
        var x = sr[.., ..3].to(float32);
        var y = hr[.., ..3].to(float32);
        const int size = 11;
        var g = torch.arange(size, dtype: float64).sub(size / 2).pow(2).div(-2 * 1.5 * 1.5).exp();
        g = g.div(g.sum()).to(float32);
        var window = g.unsqueeze(1).matmul(g.unsqueeze(0)).expand(3, 1, size, size).contiguous().to(x.device);
        Tensor Conv(Tensor t) => torch.nn.functional.conv2d(t, window, padding: [size / 2, size / 2], groups: 3);
        var mu1 = Conv(x); var mu2 = Conv(y);
        var mu1Sq = mu1.pow(2); var mu2Sq = mu2.pow(2); var mu12 = mu1 * mu2;
        var s1 = Conv(x * x) - mu1Sq; var s2 = Conv(y * y) - mu2Sq; var s12 = Conv(x * y) - mu12;
        const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
        var map = (2 * mu12 + c1) * (2 * s12 + c2) / ((mu1Sq + mu2Sq + c1) * (s1 + s2 + c2));
        return map.mean().item<float>();
    }
}
