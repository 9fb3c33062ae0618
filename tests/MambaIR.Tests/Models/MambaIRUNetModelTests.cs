using MambaIR.Models;
using MambaIR.Models.UNet;
using MambaIR.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Tests.Models;

/// <summary>
/// The U-Net on its own terms. In the global-rng collection: the finite-difference check builds its network and inputs
/// from libtorch's global generator after manual_seed, and a test drawing from it in parallel moved that point (once, in
/// a full run, to one where the check failed).
/// </summary>
[Collection("global-rng")]
public class MambaIRUNetModelTests
{
    public MambaIRUNetModelTests() => TorchRuntime.EnsureInitialized();

    [Theory]
    [InlineData(16, 24)]
    [InlineData(13, 10)]  // not multiples of 8: padded and cropped
    [InlineData(3, 5)]
    public void AnySizeComesBackAtItsSize(int h, int w)
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var net = new MambaIRUNet(TinyModels.UNet());
        net.eval();
        using var _ = no_grad();
        var y = net.forward(rand(2, 3, h, w));
        Assert.Equal(new long[] { 2, 3, h, w }, y.shape);
        Assert.True(y.isfinite().all().item<bool>());
    }

    [Fact]
    public void MultiplesOfEightAreNotPadded()
    {
        // The official network runs 16×24 as it is; running the padded 13×10 image's 16×16 extension gives the crop.
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var net = new MambaIRUNet(TinyModels.UNet());
        MambaIRv2ModelTests.Perturb(net);
        net.eval();
        using var _ = no_grad();
        var x = rand(1, 3, 13, 10, dtype: ScalarType.Float32);
        var padded = MirrorPadding.ToMultiple(x, 8);
        Assert.Equal(new long[] { 1, 3, 16, 16 }, padded.shape);
        var whole = net.forward(padded);
        Assert.True(net.forward(x).SameAs(whole.narrow(2, 0, 13).narrow(3, 0, 10)));
    }

    [Fact]
    public void GradientsMatchFiniteDifferencesInTrainingMode()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        using var net = new MambaIRUNet(TinyModels.UNet() with { Bias = true });
        net.to(ScalarType.Float64);
        MambaIRv2ModelTests.Perturb(net);
        net.train();
        var x = rand(1, 3, 8, 8, dtype: ScalarType.Float64);
        var target = rand(1, 3, 8, 8, dtype: ScalarType.Float64);
        double Loss() { using var s = NewDisposeScope(); return (net.forward(x) - target).pow(2).mean().item<double>(); }
        (net.forward(x) - target).pow(2).mean().backward();
        var parameters = net.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var name in new[] { "patch_embed.proj.weight", "latent.0.self_attention.A_logs", "down3_4.body.0.weight",
                                     "reduce_chan_level2.bias", "refinement.0.conv_blk.cab.3.attention.1.weight", "output.weight" })
        {
            var p = parameters[name];
            Assert.True(p.grad is not null, $"no gradient for {name}");
            using var flat = p.detach().view(-1);
            long i = flat.shape[0] / 3;
            const double eps = 1e-6;
            double original = flat[i].item<double>();
            using (no_grad()) flat[i] = original + eps;
            double up = Loss();
            using (no_grad()) flat[i] = original - eps;
            double down = Loss();
            using (no_grad()) flat[i] = original;
            double numeric = (up - down) / (2 * eps), analytic = p.grad!.view(-1)[i].item<double>();
            Assert.True(Math.Abs(numeric - analytic) <= 1e-6 * Math.Max(1e-3, Math.Abs(analytic)) + 1e-9,
                $"{name}[{i}]: autograd {analytic:E6}, finite difference {numeric:E6}");
        }
    }

    [Fact]
    public void ForwardDoesNotLeakTensors()
    {
        using var model = new MambaIRUNet(TinyModels.UNet());
        model.eval();
        using var x = rand(1, 3, 12, 9);
        using var _ = no_grad();
        using (model.forward(x)) { }
        long before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        for (int i = 0; i < 20; i++)
            using (model.forward(x)) { }
        Assert.Equal(before, DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount);
    }
}
