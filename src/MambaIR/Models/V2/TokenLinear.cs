using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models.V2;

/// <summary>
/// A <see cref="Linear"/> applied to tokens (…, C) — the same y = x Wᵀ + b — computed at inference on the CPU in float32
/// as a 1×1 convolution of the tokens seen as a channels-last (1, C, rows, 1) image: libtorch then runs oneDNN's
/// convolution instead of its sgemm, which on machine A (AMD EPYC, 2 threads) is 2–3× faster at MambaIRv2's shapes
/// (174 → 522 tokens-wide: 15–32 vs 42–85 GFLOP/s, measured alternately). The sums are the same products in another
/// order (differences of a few ulp). Training (gradients), other devices and dtypes use the plain Linear.
/// </summary>
internal static class TokenLinear
{
    public static Tensor Forward(Linear linear, Tensor x)
    {
        var weight = linear.weight!;
        if (x.device_type != DeviceType.CPU || x.dtype != ScalarType.Float32 || x.dim() < 2 || !x.is_contiguous()
            || (is_grad_enabled() && (x.requires_grad || weight.requires_grad)))
            return linear.forward(x);
        using var scope = NewDisposeScope();
        long cin = x.shape[^1], cout = weight.shape[0], rows = x.numel() / cin;
        var img = x.as_strided([1, cin, rows, 1], [rows * cin, 1, cin, cin]);
        var y = nn.functional.conv2d(img, weight.view(cout, cin, 1, 1), linear.bias);
        var shape = x.shape.ToArray();
        shape[^1] = cout;
        // The output is channels-last, i.e. (rows, cout) row-major: the permute is a view and the reshape free.
        return y.permute(0, 2, 3, 1).reshape(shape).MoveToOuterDisposeScope();
    }
}
