using MambaIR.Ops;
using MambaIR.Ops.Cpu;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// 2-D selective scan (key <c>self_attention</c> of a VSSBlock). Input and output (B, H, W, C).
/// in_proj (no bias) splits into x | z; x goes through a depthwise 3×3 conv and SiLU, is read in four orders
/// (row-major, column-major and both reversed), each order with its own x_proj / dt_proj / A / D, scanned by
/// <see cref="SelectiveScan"/>, mapped back to raster order and summed; then out_norm, ⊙ SiLU(z), out_proj (no bias).
/// </summary>
public sealed class SS2D : nn.Module<Tensor, Tensor>
{
    const int K = 4;
    private readonly Linear in_proj;
    private readonly Conv2d conv2d;
    private Parameter x_proj_weight;   // (K, R + 2N, D_i)
    private Parameter dt_projs_weight; // (K, D_i, R)
    private Parameter dt_projs_bias;   // (K, D_i)
    private Parameter A_logs;          // (K·D_i, N)
    private Parameter Ds;              // (K·D_i)
    private LayerNorm out_norm;
    private readonly Linear out_proj;
    private readonly long dInner, dState, dtRank;

    /// <param name="dModel">Feature width C.</param>
    /// <param name="dState">State size N.</param>
    /// <param name="dInner">Inner width D_i = int(expand · C).</param>
    /// <param name="dtRank">R = ceil(C / 16).</param>
    public SS2D(long dModel, long dState, long dInner, long dtRank) : base(nameof(SS2D))
    {
        this.dInner = dInner; this.dState = dState; this.dtRank = dtRank;
        in_proj = nn.Linear(dModel, 2 * dInner, hasBias: false);
        conv2d = nn.Conv2d(dInner, dInner, 3, padding: 1, groups: dInner);
        // Initialised as the official code does (matters only for training from scratch).
        using (no_grad())
        {
            double bound = 1.0 / Math.Sqrt(dInner), dtStd = 1.0 / Math.Sqrt(dtRank);
            x_proj_weight = new Parameter(empty(K, dtRank + 2 * dState, dInner).uniform_(-bound, bound));
            dt_projs_weight = new Parameter(empty(K, dInner, dtRank).uniform_(-dtStd, dtStd));
            // Explicit scalars: TorchSharp's implicit double→Scalar temporaries can be finalised during the native call.
            using var span = (Math.Log(0.1) - Math.Log(0.001)).ToScalar();
            using var low = Math.Log(0.001).ToScalar();
            using var floor = 1e-4.ToScalar();
            var dt = exp(rand(K, dInner).mul_(span).add_(low)).clamp_min(floor);
            dt_projs_bias = new Parameter(dt + log(-expm1(-dt)));
            A_logs = new Parameter(log(arange(1, dState + 1, dtype: float32)).repeat(K * dInner, 1));
            Ds = new Parameter(ones(K * dInner));
        }
        out_norm = nn.LayerNorm(dInner);
        out_proj = nn.Linear(dInner, dModel, hasBias: false);
        RegisterComponents();
    }

    /// <summary>
    /// Converted to bfloat16 or float16, SS2D keeps its scan core in float32: A_logs, Ds and dt_projs_bias
    /// (<see cref="MixedPrecision"/>), x_proj and dt_proj (δ, B and C are made in float32 from the float32 copy of
    /// the convolved input) and out_norm (the four directions are merged and normalised in float32); in_proj, the
    /// depthwise convolution, the gate and out_proj run in the reduced type. Measured on the bundled ×2 model, Set5, in
    /// bfloat16: −0.044 dB with everything in bfloat16, −0.026 dB with the residual stream in float32
    /// (<see cref="MixedPrecision"/>), and with this core in float32 as well see docs/BENCHMARKS.md §10.
    /// </summary>
    protected override nn.Module _to(ScalarType dtype, bool non_blocking) => KeepingCoreInFloat32(dtype, () => base._to(dtype, non_blocking));

    protected override nn.Module _to(Device device, ScalarType dtype, bool non_blocking) => KeepingCoreInFloat32(dtype, () => base._to(device, dtype, non_blocking));

    /// <summary>Runs libtorch's conversion (<paramref name="convert"/>), then puts the core back in float32 for a reduced type.</summary>
    nn.Module KeepingCoreInFloat32(ScalarType dtype, Action convert)
    {
        var keep = MixedPrecision.Keep(dtype, [out_norm], A_logs, Ds, dt_projs_bias, x_proj_weight, dt_projs_weight);
        convert();
        if (keep is null) return this;
        var loose = MixedPrecision.Restore(keep, [out_norm]);
        A_logs = MixedPrecision.Float32Parameter(loose[0], A_logs);
        Ds = MixedPrecision.Float32Parameter(loose[1], Ds);
        dt_projs_bias = MixedPrecision.Float32Parameter(loose[2], dt_projs_bias);
        x_proj_weight = MixedPrecision.Float32Parameter(loose[3], x_proj_weight);
        dt_projs_weight = MixedPrecision.Float32Parameter(loose[4], dt_projs_weight);
        ConditionallyRegisterParameter(nameof(A_logs), A_logs);
        ConditionallyRegisterParameter(nameof(Ds), Ds);
        ConditionallyRegisterParameter(nameof(dt_projs_bias), dt_projs_bias);
        ConditionallyRegisterParameter(nameof(x_proj_weight), x_proj_weight);
        ConditionallyRegisterParameter(nameof(dt_projs_weight), dt_projs_weight);
        return this;
    }

    /// <summary>in_proj's weight: its type is the one SS2D takes its input in.</summary>
    internal Tensor InputWeight => in_proj.weight!;

    Ss2dWeights Weights => new(in_proj.weight!, conv2d.weight!, conv2d.bias!, x_proj_weight, dt_projs_weight, dt_projs_bias, A_logs, Ds,
        out_norm.weight!, out_norm.bias!, out_norm.eps, out_proj.weight!);

    /// <summary>
    /// forward(<paramref name="norm"/>.forward(<paramref name="source"/>)), the same values; without autograd on the fused CPU
    /// path the normalised input is not kept through the scan but computed again, band by band, when z needs it
    /// (<see cref="FusedSs2d.ForwardRecomputingInput"/>), which lowers the peak memory of a whole-image forward.
    /// </summary>
    public Tensor ForwardNormalising(Tensor source, nn.Module<Tensor, Tensor> norm)
    {
        var weights = Weights;
        bool noAutograd = !(is_grad_enabled() && (source.requires_grad || parameters().Any(p => p.requires_grad) || norm.parameters().Any(p => p.requires_grad)));
        if (noAutograd && FusedSs2d.ChooseScan(source, weights) is { } fused) return FusedSs2d.ForwardRecomputingInput(source, norm.forward, weights, fused);
        using var normed = norm.forward(source);
        return forward(normed);
    }

    public override Tensor forward(Tensor input)
    {
        // CPU float tensors with the CPU kernel chosen: the fused block, which reads the four directions from raster order.
        var weights = Weights;
        if (FusedSs2d.ChooseScan(input, weights) is { } fused) return FusedSs2d.Forward(input, weights, fused);
        using var scope = NewDisposeScope();
        var xz = in_proj.forward(input);
        var parts = xz.chunk(2, dim: -1);
        // Channels-last memory seen as (B, D_i, H, W): the depthwise conv runs on it without a transposed copy.
        Tensor x = parts[0].permute(0, 3, 1, 2);
        x = nn.functional.silu(conv2d.forward(x));
        Tensor y;
        if (FourWaysOnGpu(x) is ({ } four, { } gpu))
        {
            // Inference on the GPU: one kernel reads the four orders from raster order and writes each direction's output at
            // its pixels (issue 10 §2); the CUDA backend also merges, normalises and gates them in one pass.
            var gate = new FourWayOutputGate(parts[1], out_norm.weight!, out_norm.bias!, out_norm.eps);
            if (gpu is CudaSelectiveScan cuda && CudaSelectiveScan.CanGate(four, gate)) return out_proj.forward(cuda.RunFourWays(four, gate)).MoveToOuterDisposeScope();
            y = gpu.RunFourWays(four);
        }
        else y = ScanFourWays(x);
        y = out_norm.forward(y);
        if (y.dtype != parts[1].dtype) y = y.to(parts[1].dtype); // back to the reduced type for the gate and out_proj
        y = y * nn.functional.silu(parts[1]);
        return out_proj.forward(y).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// For CUDA tensors: the four-way inputs of x (B, D_i, H, W) seen in raster order, channels last (in the core's type), and
    /// the backend that runs them in one go, when the chosen backend has that form for them (inference); else null.
    /// </summary>
    (FourWayScanInputs Inputs, IFourWaySelectiveScan Backend)? FourWaysOnGpu(Tensor x)
    {
        if (x.device_type != DeviceType.CUDA || (is_grad_enabled() && (x.requires_grad || x_proj_weight.requires_grad))) return null;
        var four = new FourWayScanInputs(x.permute(0, 2, 3, 1).to(x_proj_weight.dtype), x_proj_weight, dt_projs_weight, dt_projs_bias, A_logs, Ds);
        return SelectiveScan.ChooseFourWays(four) is { } fused ? (four, fused) : null;
    }

    /// <summary>x (B, D_i, H, W) → the four direction outputs mapped back to raster order and summed, (B, H, W, D_i).</summary>
    Tensor ScanFourWays(Tensor x)
    {
        long b = x.shape[0], h = x.shape[2], w = x.shape[3], l = h * w;
        // The four orders written straight into one (B, 4, D_i, L) buffer: row-major, column-major, both reversed.
        // In reduced precision the core (x_proj, dt_proj, the scan, the merge) runs in x_proj's type, float32.
        var xs = empty(new[] { b, K, dInner, l }, dtype: x_proj_weight.dtype, device: x.device);
        xs.select(1, 0).view(b, dInner, h, w).copy_(x);
        xs.select(1, 1).view(b, dInner, w, h).copy_(x.transpose(2, 3));
        xs.narrow(1, 2, 2).copy_(xs.narrow(1, 0, 2).flip(-1));

        // x_proj and dt_proj as batched matmuls over the directions (the einsums bkdl,kcd->bkcl and bkrl,kdr->bkdl).
        var xDbl = matmul(x_proj_weight, xs);                              // (B, 4, R+2N, L)
        var split = xDbl.split(new[] { dtRank, dState, dState }, dim: 2);
        var dts = matmul(dt_projs_weight, split[0]);                       // (B, 4, D_i, L)

        var scan = SelectiveScan.Run(new SelectiveScanInputs(
            U: xs.reshape(b, -1, l),
            Delta: dts.contiguous().view(b, -1, l),
            A: -exp(A_logs),
            B: split[1].contiguous(),
            C: split[2].contiguous(),
            D: Ds,
            DeltaBias: dt_projs_bias.view(-1),
            DeltaSoftplus: true));
        var outY = scan.Output.view(b, K, -1, l);

        var inv = outY.narrow(1, 2, 2).flip(-1);                                 // directions 2, 3 un-reversed
        var wh = outY.select(1, 1).view(b, -1, w, h).transpose(2, 3).contiguous().view(b, -1, l);
        var invWh = inv.select(1, 1).view(b, -1, w, h).transpose(2, 3).contiguous().view(b, -1, l);
        var y = ScalarOne.Add(outY.select(1, 0), inv.select(1, 0)).add_(wh, ScalarOne.Value).add_(invWh, ScalarOne.Value);
        return y.transpose(1, 2).contiguous().view(b, h, w, -1);
    }
}
