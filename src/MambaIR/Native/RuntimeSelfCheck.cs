using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Native;

/// <summary>
/// A quick check that a device computes what the CPU computes: convolution, matrix product, and a backward pass.
/// Used by <c>mambair runtime --check</c> to validate an external (e.g. CUDA) libtorch before a long job.
/// </summary>
public static class RuntimeSelfCheck
{
    public sealed record Result(string Device, string Operation, double MaxAbsDifference, bool Passed);

    /// <summary>Runs each operation in float64 on <paramref name="device"/> and on the CPU and compares.</summary>
    public static IReadOnlyList<Result> Run(Device device, double tolerance = 1e-9)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        manual_seed(1234);
        var x = randn(2, 3, 17, 19, dtype: float64);
        var w = randn(5, 3, 3, 3, dtype: float64);
        var a = randn(64, 48, dtype: float64);
        var b = randn(48, 32, dtype: float64);
        var results = new List<Result>
        {
            Compare(device, "conv2d", d => nn.functional.conv2d(x.to(d), w.to(d), padding: new long[] { 1, 1 }), tolerance),
            Compare(device, "matmul", d => a.to(d).matmul(b.to(d)), tolerance),
            Compare(device, "autograd", d =>
            {
                var wd = w.to(d).detach().requires_grad_(true);
                var loss = nn.functional.conv2d(x.to(d), wd, padding: new long[] { 1, 1 }).tanh().abs().mean();
                loss.backward();
                return wd.grad!;
            }, tolerance),
        };
        return results;
    }

    static Result Compare(Device device, string op, Func<Device, Tensor> f, double tol)
    {
        var cpu = f(CPU);
        var dev = f(device).cpu();
        double diff = (cpu - dev).abs().max().item<double>();
        return new Result(device.ToString(), op, diff, diff <= tol);
    }
}
