using MambaIR.Native;
using MambaIR.Ops;
using static TorchSharp.torch;

namespace MambaIR.Tests.Ops;

/// <summary>Gradients handed to the autograd engine are disposed at the thread's next backward, not left to the GC.</summary>
public class AutogradHandoffTests
{
    public AutogradHandoffTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void ReturnedTensorsAreDisposedAtTheNextBackwardAndSurviveScopes()
    {
        AutogradHandoff.ReleasePrevious();
        Tensor t;
        using (NewDisposeScope()) t = AutogradHandoff.Return(ones(3))!;
        Assert.False(t.IsInvalid); // not the scope's to dispose
        AutogradHandoff.ReleasePrevious();
        Assert.True(t.IsInvalid);
        Assert.Null(AutogradHandoff.Return(null));
    }

    [Fact]
    public void RepeatedCpuBackwardsStillGiveTheSameGradients()
    {
        // Several backwards in a row: each one disposes the previous one's results only after the engine copied them.
        var x = CpuScanTests.Random(2, 8, 70, 16, 4, z: true, bias: true, softplus: true, last: false);
        Tensor? first = null;
        for (int i = 0; i < 4; i++)
        {
            var u = x.U.detach().clone().requires_grad_(true);
            var r = new CpuSelectiveScan().Run(x with { U = u });
            r.Output.sum().backward();
            if (first is null) first = u.grad!.detach().clone();
            else Assert.Equal(0.0, (u.grad! - first).abs().max().item<double>());
        }
    }
}
