using MambaIR.Ops.Cpu;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace MambaIR.Ops;

/// <summary>
/// The fused CPU four-way scan (<see cref="FusedSs2dRunner"/>) as a TorchSharp autograd function. Arguments, in order:
/// x (B, H, W, D_i), the x_proj outputs of the row-major and of the column-major directions (2·(R+2N), B·L) each (see
/// <see cref="FusedSs2dRunner"/>), dt weight (4, D_i, R), dt bias (4, D_i), A (4·D_i, N), D (4·D_i), vector bits (int).
/// Output: y (B, H, W, D_i). Saves the inputs and the chunk checkpoints, (B, 4, ⌈L/64⌉, N, D_i) values: all L states
/// are never stored; the backward recomputes one 64-step chunk at a time. Returns gradients for the seven tensor inputs.
/// </summary>
internal sealed class FusedSs2dFunction : MultiTensorFunction<FusedSs2dFunction>
{
    public override string Name => "FusedSs2dScan";

    public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
    {
        var t = Tensors(vars);
        int bits = (int)vars[7];
        var r = FusedSs2dRunner.Forward(t[0], t[1], t[2], t[3], t[4], t[5], t[6], bits, CpuSelectiveScan.Threads, keepCheckpoints: true);
        ctx.save_for_backward(new List<Tensor>(t) { r.Checkpoints! });
        ctx.save_data("bits", bits);
        return new List<Tensor> { r.Y };
    }

    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> grads)
    {
        using var scope = NewDisposeScope();
        var s = ctx.get_saved_variables();
        var g = FusedSs2dRunner.Backward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], grads[0], (int)ctx.get_data("bits"), CpuSelectiveScan.Threads);
        // Detach the results from this scope: the autograd engine takes them over.
        return new List<Tensor>
        {
            g.X.MoveToOuterDisposeScope(), g.ProjRow.MoveToOuterDisposeScope(), g.ProjCol.MoveToOuterDisposeScope(), g.DtWeight.MoveToOuterDisposeScope(),
            g.DtBias.MoveToOuterDisposeScope(), g.A.MoveToOuterDisposeScope(), g.D.MoveToOuterDisposeScope(), null!,
        };
    }

    static Tensor[] Tensors(object[] v) => v.Take(7).Cast<Tensor>().ToArray();
}
