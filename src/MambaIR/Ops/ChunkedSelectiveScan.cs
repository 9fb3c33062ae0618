using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Ops;

/// <summary>
/// The scan in stock tensor ops, chunk-parallel: for accelerators, where the reference's one-small-op-per-token loop
/// is bound by kernel launches. Within a chunk of <see cref="ChunkLength"/> steps the recurrence is unrolled in closed form,
/// <code>
/// h_t = exp(Σ_{k≤t} x_k)·h_start + Σ_{j≤t} exp(Σ_{j&lt;k≤t} x_k)·b_j,   x_k = δ_k·A,  b_j = δ_j·B_j·u_j
/// </code>
/// with the inner sums taken as masked cumulative sums of x (no differences of large cumulative sums, so no cancellation;
/// every exponent is ≤ 0 for A &lt; 0), and chunks follow each other sequentially: L/T steps instead of L.
/// Differentiable through autograd. Memory per chunk: Bt·Dm·N·T² values (T = 32: 94 MB at the classic-SR block).
/// </summary>
public sealed class ChunkedSelectiveScan : ISelectiveScan
{
    /// <summary>Steps per chunk.</summary>
    public int ChunkLength { get; }

    public ChunkedSelectiveScan(int chunkLength = 32)
    {
        if (chunkLength < 1) throw new ArgumentOutOfRangeException(nameof(chunkLength), chunkLength, "chunk length must be positive");
        ChunkLength = chunkLength;
    }

    public string Name => "chunked";

    /// <summary>Picked automatically for non-CPU tensors (the CPU has its own kernel); any device can force it.</summary>
    public bool CanRun(SelectiveScanInputs inputs) => inputs.U.device_type != DeviceType.CPU && inputs.U.is_floating_point();

    public SelectiveScanResult Run(SelectiveScanInputs x)
    {
        x.Validate();
        using var scope = NewDisposeScope();
        long bt = x.Batch, dm = x.Channels, l = x.Length, n = x.StateSize, g = x.Groups;
        Tensor delta = x.Delta;
        if (x.DeltaBias is not null) delta = delta + x.DeltaBias.unsqueeze(-1);
        if (x.DeltaSoftplus) delta = nn.functional.softplus(delta, beta: 1, threshold: 20);

        // (Bt, Dm, N, L): channel d uses group ⌊d / (Dm/G)⌋.
        Tensor Expand(Tensor t) => (t.dim() == 3 ? t.unsqueeze(1) : t).repeat_interleave(dm / g, dim: 1);
        Tensor b = Expand(x.B), c = Expand(x.C);
        Tensor logDecay = delta.unsqueeze(2) * x.A.unsqueeze(-1);          // x_k: (Bt, Dm, N, L)
        Tensor input = (delta * x.U).unsqueeze(2) * b;                      // b_j: (Bt, Dm, N, L)

        Tensor h = zeros(bt, dm, n, dtype: x.U.dtype, device: x.U.device);
        var ys = new List<Tensor>();
        for (long start = 0; start < l; start += ChunkLength)
        {
            long t = Math.Min(ChunkLength, l - start);
            var xs = logDecay.narrow(-1, start, t);
            var strictlyBelow = ones(t, t, dtype: ScalarType.Bool, device: x.U.device).tril(-1);
            var onOrBelow = ones(t, t, dtype: ScalarType.Bool, device: x.U.device).tril(0);
            // seg[..., i, j] = Σ_{j<k≤i} x_k for i ≥ j: cumulative sums of masked copies, never differences.
            var seg = xs.unsqueeze(-1).expand(bt, dm, n, t, t).masked_fill(strictlyBelow.logical_not(), 0).cumsum(-2);
            var weights = seg.masked_fill(onOrBelow.logical_not(), double.NegativeInfinity).exp();   // (Bt, Dm, N, T, T)
            var states = weights.matmul(input.narrow(-1, start, t).unsqueeze(-1)).squeeze(-1)
                         + xs.cumsum(-1).exp() * h.unsqueeze(-1);                                       // (Bt, Dm, N, T)
            ys.Add((states * c.narrow(-1, start, t)).sum(2));                                           // (Bt, Dm, T)
            h = states.select(-1, t - 1);
        }
        Tensor y = cat(ys, dim: -1);
        Tensor output = x.D is null ? y : y + x.U * x.D.unsqueeze(-1);
        if (x.Z is not null) output = output * nn.functional.silu(x.Z);
        return new SelectiveScanResult(output.MoveToOuterDisposeScope(), x.ReturnLastState ? h.MoveToOuterDisposeScope() : null);
    }
}
