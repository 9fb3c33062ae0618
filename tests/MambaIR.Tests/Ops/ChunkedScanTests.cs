using MambaIR.Native;
using MambaIR.Ops;
using static TorchSharp.torch;

namespace MambaIR.Tests.Ops;

/// <summary>The chunk-parallel scan (the default on accelerators) against the step-by-step reference, on the CPU in float64.</summary>
public class ChunkedScanTests
{
    public ChunkedScanTests() => TorchRuntime.EnsureInitialized();

    [Theory]
    [InlineData(1, 8, 1, 5, 1, 4, false, 1L << 27)]     // L = 1
    [InlineData(2, 8, 37, 5, 2, 8, true, 1L << 27)]     // L not a multiple of the chunk, z, batch > 1
    [InlineData(2, 8, 37, 5, 2, 8, true, 1)]            // one chunk per batch of ops
    [InlineData(1, 12, 64, 16, 4, 32, false, 1L << 27)] // whole chunks, grouped B/C
    [InlineData(1, 6, 100, 1, 3, 7, true, 6 * 7 * 7 * 3)] // N = 1, several batches of 3 chunks
    public void MatchesReferenceWithGradients(int bt, int dm, int l, int n, int g, int chunk, bool withZ, long budget)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var inputs = new[]
        {
            randn(bt, dm, l, dtype: float64), randn(bt, dm, l, dtype: float64) * 0.7, -exp(randn(dm, n, dtype: float64)),
            randn(bt, g, n, l, dtype: float64), randn(bt, g, n, l, dtype: float64), randn(dm, dtype: float64),
            randn(dm, dtype: float64), randn(bt, dm, l, dtype: float64),
        };
        inputs[1][0, 0, 0] = tensor(30.0, float64); // beyond the softplus threshold
        var gy = randn(bt, dm, l, dtype: float64);
        var gh = randn(bt, dm, n, dtype: float64);

        (Tensor Y, Tensor H, Tensor[] Grads) Run(ISelectiveScan scan)
        {
            var p = inputs.Select(t => t.detach().clone().requires_grad_(true)).ToArray();
            var r = scan.Run(new SelectiveScanInputs(p[0], p[1], p[2], p[3], p[4], p[5], withZ ? p[7] : null, p[6],
                DeltaSoftplus: true, ReturnLastState: true));
            ((r.Output * gy).sum() + (r.LastState! * gh).sum()).backward();
            return (r.Output.detach(), r.LastState!.detach(), p.Take(withZ ? 8 : 7).Select(t => t.grad!).ToArray());
        }
        var chunked = Run(new ChunkedSelectiveScan(chunk, budget));
        var reference = Run(SelectiveScan.Reference);
        Assert.True((chunked.Y - reference.Y).abs().max().item<double>() < 1e-12);
        Assert.True((chunked.H - reference.H).abs().max().item<double>() < 1e-12);
        string[] names = ["u", "delta", "A", "B", "C", "D", "delta_bias", "z"];
        for (int i = 0; i < chunked.Grads.Length; i++)
        {
            double err = (chunked.Grads[i] - reference.Grads[i]).abs().max().item<double>()
                         / Math.Max(1e-300, reference.Grads[i].abs().max().item<double>());
            Assert.True(err < 1e-11, $"gradient of {names[i]}: relative error {err:E2}");
        }
    }

    [Fact]
    public void IsTheDefaultOnlyOffTheCpu()
    {
        var cpu = new SelectiveScanInputs(zeros(1, 1, 1), zeros(1, 1, 1), zeros(1, 1), zeros(1, 1, 1), zeros(1, 1, 1));
        Assert.False(new ChunkedSelectiveScan().CanRun(cpu));
        Assert.Equal("chunked", SelectiveScan.ByName("chunked").Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkedSelectiveScan(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkedSelectiveScan(32, 0));
    }
}
