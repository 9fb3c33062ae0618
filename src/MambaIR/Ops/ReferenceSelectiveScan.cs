using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Ops;

/// <summary>
/// The scan written with stock tensor ops, step by step like mamba_ssm's <c>selective_scan_ref</c>:
/// correct on every device and dtype and differentiable through autograd, but it materialises
/// (Bt, Dm, L, N) tensors and runs one small op per token. It is the oracle for the fast kernels.
/// </summary>
public sealed class ReferenceSelectiveScan : ISelectiveScan
{
    public string Name => "reference";
    public bool CanRun(SelectiveScanInputs inputs) => true;

    public SelectiveScanResult Run(SelectiveScanInputs x)
    {
        x.Validate();
        using var scope = NewDisposeScope();
        long dm = x.Channels, l = x.Length;
        Tensor delta = x.EffectiveDelta();

        // B, C -> (Bt, Dm, N, L): channel d uses group ⌊d / (Dm/G)⌋.
        Tensor b = x.PerChannel(x.B), c = x.PerChannel(x.C);

        Tensor deltaA = exp(einsum("bdl,dn->bdln", delta, x.A));
        Tensor deltaBu = einsum("bdl,bdnl,bdl->bdln", delta, b, x.U);
        Tensor h = zeros(x.Batch, dm, x.StateSize, dtype: x.U.dtype, device: x.U.device);
        var ys = new List<Tensor>((int)l);
        // An explicit alpha for the additions, alive to the end of the method: the operator + makes an implicit Scalar
        // that the GC may finalise while libtorch still reads it (TorchSharp#1434), and this loop makes thousands of them
        // (a full test run failed once with "Expected false to be true" from c10::Scalar::toDouble here). Same arithmetic.
        using var one = 1.ToScalar();
        for (long i = 0; i < l; i++)
        {
            h = deltaA.select(2, i).mul(h).add_(deltaBu.select(2, i), one);
            ys.Add((h * c.select(3, i)).sum(-1));
        }
        Tensor y = stack(ys, dim: 2);
        Tensor output = x.D is null ? y : y.add(x.U * x.D.unsqueeze(-1), one);
        if (x.Z is not null) output = output * nn.functional.silu(x.Z);
        return new SelectiveScanResult(output.MoveToOuterDisposeScope(), x.ReturnLastState ? h.MoveToOuterDisposeScope() : null);
    }
}
