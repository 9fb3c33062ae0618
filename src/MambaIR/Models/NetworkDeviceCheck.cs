using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// Runs one small MambaIR network (seeded random weights, float64) on a device and on the CPU and compares the outputs
/// and the weight gradients of an L1 loss: the whole model path, scan included, on that device. Used by
/// <c>mambair runtime --check DEVICE</c>.
/// </summary>
public static class NetworkDeviceCheck
{
    public sealed record Result(double MaxOutputDifference, double MaxRelativeGradientDifference, string ScanBackend);

    public static Result Run(Device device)
    {
        using var scope = NewDisposeScope();
        var config = MambaIRConfig.FromKwargs(new Dictionary<string, object?>
        {
            ["upscale"] = 2, ["in_chans"] = 3, ["embed_dim"] = 30, ["depths"] = new[] { 1, 1 }, ["d_state"] = 5,
            ["mlp_ratio"] = 1.2, ["upsampler"] = "pixelshuffledirect",
        });
        manual_seed(7);
        using var cpuNet = new MambaIRNet(config);
        cpuNet.to(float64);
        // Move every weight off its initial value: at init, LayerNorm weights of 1 and biases of 0 make the gradients
        // upstream of the scan vanish (~1e-20), and comparing those would compare rounding noise.
        using (no_grad())
            foreach (var p in cpuNet.parameters()) p.add_(randn_like(p) * 0.1);
        using var devNet = new MambaIRNet(config);
        devNet.to(float64);
        devNet.load_state_dict(cpuNet.state_dict());
        devNet.to(device);
        var x = rand(1, 3, 9, 11, dtype: float64);
        var target = rand(1, 3, 18, 22, dtype: float64);

        (Tensor output, Dictionary<string, Tensor> grads) Run(MambaIRNet net, Device d)
        {
            var y = net.forward(x.to(d));
            (y - target.to(d)).abs().mean().backward();
            var g = net.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.cpu());
            return (y.detach().cpu(), g);
        }
        var (yc, gc) = Run(cpuNet, CPU);
        string backend = Ops.SelectiveScan.ChooseFor(device, float64).Name;
        var (yd, gd) = Run(devNet, device);
        double outDiff = (yc - yd).abs().max().item<double>();
        double gradDiff = gc.Keys.Max(k => (gc[k] - gd[k]).abs().max().item<double>() / Math.Max(gc[k].abs().max().item<double>(), 1e-300));
        return new Result(outDiff, gradDiff, backend);
    }
}
