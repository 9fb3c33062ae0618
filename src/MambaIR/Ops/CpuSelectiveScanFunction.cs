using MambaIR.Ops.Cpu;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace MambaIR.Ops;

/// <summary>
/// The CPU kernel as a TorchSharp autograd function. Arguments, in order: u, delta, A, B, C, D?, z?, delta_bias?,
/// delta_softplus (bool), return_last_state (bool), vector bits (int). Outputs: out, and the last state when asked for.
/// Saves the inputs and the chunk checkpoints (see <see cref="CpuSelectiveScan"/> for the memory this keeps);
/// the backward returns gradients for all eight tensor inputs.
/// </summary>
internal sealed class CpuSelectiveScanFunction : MultiTensorFunction<CpuSelectiveScanFunction>
{
    public override string Name => "CpuSelectiveScan";

    public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
    {
        var x = Inputs(vars);
        int bits = (int)vars[10];
        var r = CpuScanRunner.Forward(x, bits, CpuSelectiveScan.Threads, keepCheckpoints: true);
        ctx.save_for_backward(new List<Tensor> { x.U, x.Delta, x.A, x.B, x.C, x.D!, x.Z!, x.DeltaBias!, r.Checkpoints! });
        ctx.save_data("softplus", x.DeltaSoftplus);
        ctx.save_data("last", x.ReturnLastState);
        ctx.save_data("bits", bits);
        return x.ReturnLastState ? new List<Tensor> { r.Output, r.LastState! } : new List<Tensor> { r.Output };
    }

    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> grads)
    {
        AutogradHandoff.ReleasePrevious();
        using var scope = NewDisposeScope();
        var s = ctx.get_saved_variables();
        bool last = (bool)ctx.get_data("last");
        var x = new SelectiveScanInputs(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], (bool)ctx.get_data("softplus"), last);
        var g = CpuScanRunner.Backward(x, s[8], grads[0], last ? grads[1] : null, (int)ctx.get_data("bits"), CpuSelectiveScan.Threads);
        AutogradHandoff.ReleaseIncoming(grads);
        // Detach the results from this scope: the autograd engine takes them over (see AutogradHandoff).
        Tensor? Keep(Tensor? t) => AutogradHandoff.Return(t);
        return new List<Tensor> { Keep(g.U)!, Keep(g.Delta)!, Keep(g.A)!, Keep(g.B)!, Keep(g.C)!, Keep(g.D)!, Keep(g.Z)!, Keep(g.DeltaBias)!, null!, null!, null! };
    }

    static SelectiveScanInputs Inputs(object[] v) => new(
        (Tensor)v[0], (Tensor)v[1], (Tensor)v[2], (Tensor)v[3], (Tensor)v[4], v[5] as Tensor, v[6] as Tensor, v[7] as Tensor,
        (bool)v[8], (bool)v[9]);
}
