using MambaIR.Ops;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models.V2;

/// <summary>
/// The ASSM's selective scan (official <c>Selective_Scan</c> with K = 1; key <c>selectiveScan</c>): one scan over the
/// (sorted) sequence with its own x_proj / dt_proj / A / D, the prompt added to C ("attentive state-space equation"),
/// <c>selective_scan_fn(u, delta, A, B, C + prompt, D, z=None, delta_bias, delta_softplus=True)</c> through
/// <see cref="SelectiveScan.Run"/>.
/// </summary>
public sealed class SingleDirectionScan : nn.Module
{
    private readonly Parameter x_proj_weight;   // (1, R + 2N, D)
    private readonly Parameter dt_projs_weight; // (1, D, R)
    private Parameter dt_projs_bias;   // (1, D)
    private Parameter A_logs;          // (D, N)
    private Parameter Ds;              // (D)
    private readonly long dState, dtRank;

    /// <param name="dModel">Scan width D (the ASSM's hidden width).</param>
    /// <param name="dState">State size N.</param>
    /// <param name="dtRank">R = ceil(D / 16).</param>
    public SingleDirectionScan(long dModel, long dState, long dtRank) : base(nameof(SingleDirectionScan))
    {
        this.dState = dState; this.dtRank = dtRank;
        // Initialised as the official code does (matters only for training from scratch).
        using (no_grad())
        {
            double bound = 1.0 / Math.Sqrt(dModel), dtStd = 1.0 / Math.Sqrt(dtRank);
            x_proj_weight = new Parameter(empty(1, dtRank + 2 * dState, dModel).uniform_(-bound, bound));
            dt_projs_weight = new Parameter(empty(1, dModel, dtRank).uniform_(-dtStd, dtStd));
            // Explicit scalars: TorchSharp's implicit double→Scalar temporaries can be finalised during the native call.
            using var span = (Math.Log(0.1) - Math.Log(0.001)).ToScalar();
            using var low = Math.Log(0.001).ToScalar();
            using var floor = 1e-4.ToScalar();
            var dt = exp(rand(1, dModel).mul_(span).add_(low)).clamp_min(floor);
            dt_projs_bias = new Parameter(dt + log(-expm1(-dt)));
            A_logs = new Parameter(log(arange(1, dState + 1, dtype: float32)).repeat(dModel, 1));
            Ds = new Parameter(ones(dModel));
        }
        RegisterComponents();
    }

    /// <summary>Converting to bfloat16 or float16 keeps A_logs, Ds and dt_projs_bias in float32 (<see cref="MixedPrecision"/>).</summary>
    protected override nn.Module _to(ScalarType dtype, bool non_blocking) => KeepingScanParametersInFloat32(dtype, () => base._to(dtype, non_blocking));

    protected override nn.Module _to(Device device, ScalarType dtype, bool non_blocking) => KeepingScanParametersInFloat32(dtype, () => base._to(device, dtype, non_blocking));

    /// <summary>Runs libtorch's conversion (<paramref name="convert"/>), then puts the scan's parameters back in float32 for a reduced type.</summary>
    nn.Module KeepingScanParametersInFloat32(ScalarType dtype, Action convert)
    {
        var keep = MixedPrecision.Keep(dtype, [], A_logs, Ds, dt_projs_bias);
        convert();
        if (keep is null) return this;
        A_logs = MixedPrecision.Float32Parameter(keep[0], A_logs);
        Ds = MixedPrecision.Float32Parameter(keep[1], Ds);
        dt_projs_bias = MixedPrecision.Float32Parameter(keep[2], dt_projs_bias);
        ConditionallyRegisterParameter(nameof(A_logs), A_logs);
        ConditionallyRegisterParameter(nameof(Ds), Ds);
        ConditionallyRegisterParameter(nameof(dt_projs_bias), dt_projs_bias);
        return this;
    }

    /// <param name="u">The sorted sequence, (B, D, L).</param>
    /// <param name="prompt">(B, L, N), added to C position by position (in raster order, as the official code does).</param>
    /// <returns>(B, D, L).</returns>
    public Tensor Forward(Tensor u, Tensor prompt)
    {
        using var scope = NewDisposeScope();
        var xDbl = matmul(x_proj_weight.select(0, 0), u);                       // (B, R+2N, L)
        var split = xDbl.split(new[] { dtRank, dState, dState }, dim: 1);
        var delta = matmul(dt_projs_weight.select(0, 0), split[0]);             // (B, D, L)
        var c = split[2] + prompt.transpose(1, 2);
        var scan = SelectiveScan.Run(new SelectiveScanInputs(
            U: u.contiguous(),
            Delta: delta.contiguous(),
            A: -exp(A_logs),
            B: split[1].contiguous(),
            C: c.contiguous(),
            D: Ds,
            DeltaBias: dt_projs_bias.view(-1),
            DeltaSoftplus: true));
        return scan.Output.MoveToOuterDisposeScope();
    }
}
