using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Ops;

/// <summary>
/// The scan in stock tensor ops, chunk-parallel: for accelerators, where the reference's one-small-op-per-token loop
/// is bound by kernel launches. The sequence is cut into chunks of <see cref="ChunkLength"/> steps; inside a chunk the
/// recurrence is unrolled in closed form,
/// <code>
/// h_t = exp(Σ_{k≤t} x_k)·h_start + Σ_{j≤t} exp(Σ_{j&lt;k≤t} x_k)·b_j,   x_k = δ_k·A,  b_j = δ_j·B_j·u_j
/// </code>
/// and the chunks' start states follow from the same closed form one level up (over chunk totals). Inner sums are
/// masked cumulative sums, never differences of large cumulative sums, so nothing cancels, and every exponent is ≤ 0
/// for A &lt; 0. Many chunks are processed by one batch of tensor ops, as many as fit <see cref="MaxElements"/>
/// values of the (…, chunks, T, T) weight tensor. Differentiable through autograd.
/// </summary>
public sealed class ChunkedSelectiveScan : ISelectiveScan
{
    /// <summary>Steps per chunk.</summary>
    public int ChunkLength { get; }
    /// <summary>Upper bound on the elements of one batch's (Bt, Dm, N, chunks, T, T) weights (memory: 4 or 8 bytes each, several live).</summary>
    public long MaxElements { get; }

    public ChunkedSelectiveScan(int chunkLength = 32, long maxElements = 1L << 27)
    {
        if (chunkLength < 1) throw new ArgumentOutOfRangeException(nameof(chunkLength), chunkLength, "chunk length must be positive");
        if (maxElements < 1) throw new ArgumentOutOfRangeException(nameof(maxElements), maxElements, "element budget must be positive");
        ChunkLength = chunkLength;
        MaxElements = maxElements;
    }

    public string Name => "chunked";

    /// <summary>Picked automatically for non-CPU tensors (the CPU has its own kernel); any device can force it.</summary>
    public bool CanRun(SelectiveScanInputs inputs) => inputs.U.device_type != DeviceType.CPU && inputs.U.is_floating_point();

    public SelectiveScanResult Run(SelectiveScanInputs x)
    {
        x.Validate();
        using var scope = NewDisposeScope();
        long bt = x.Batch, dm = x.Channels, l = x.Length, n = x.StateSize, t = ChunkLength;
        var device = x.U.device;
        Tensor delta = x.EffectiveDelta();

        // (Bt, Dm, N, L): channel d uses group ⌊d / (Dm/G)⌋. Padding the end with x = 0, b = 0 keeps the state constant.
        long chunks = (l + t - 1) / t, pad = chunks * t - l;
        Tensor Chunked(Tensor v) => nn.functional.pad(v, new[] { 0L, pad }).view(bt, dm, n, chunks, t);
        Tensor logDecay = Chunked(delta.unsqueeze(2) * x.A.unsqueeze(-1));       // x_k
        Tensor input = Chunked((delta * x.U).unsqueeze(2) * x.PerChannel(x.B));        // b_j
        Tensor c = Chunked(x.PerChannel(x.C));

        long perBatch = Math.Max(1, Math.Min(chunks, MaxElements / Math.Max(1, bt * dm * n * t * t)));
        Tensor h = zeros(bt, dm, n, dtype: x.U.dtype, device: device);
        var ys = new List<Tensor>();
        for (long first = 0; first < chunks; first += perBatch)
        {
            using var batch = NewDisposeScope(); // frees this batch's (…, k, T, T) weights before the next one
            long k = Math.Min(perBatch, chunks - first);
            var xs = logDecay.narrow(3, first, k);                                        // (Bt, Dm, N, k, T)
            var local = DecayWeights(xs).matmul(input.narrow(3, first, k).unsqueeze(-1)).squeeze(-1); // zero-start states
            var fromStart = xs.cumsum(-1);                                                // Σ_{k≤t} x_k inside each chunk
            // Chunk level: end state E_c = exp(total_c)·E_{c-1} + local_c[T-1], with E_{-1} = h.
            var totals = fromStart.select(-1, t - 1);                                      // (Bt, Dm, N, k)
            var ends = ScalarOne.Add(DecayWeights(totals).matmul(local.select(-1, t - 1).unsqueeze(-1)).squeeze(-1),
                       totals.cumsum(-1).exp() * h.unsqueeze(-1));                        // (Bt, Dm, N, k)
            var starts = cat(new[] { h.unsqueeze(-1), ends.narrow(-1, 0, k - 1) }, dim: -1);
            var states = ScalarOne.Add(local, fromStart.exp() * starts.unsqueeze(-1));                  // (Bt, Dm, N, k, T)
            ys.Add((states * c.narrow(3, first, k)).sum(2).reshape(bt, dm, k * t).MoveToOuterDisposeScope());
            h = ends.select(-1, k - 1).MoveToOuterDisposeScope();
        }
        Tensor y = cat(ys, dim: -1).narrow(-1, 0, l);
        Tensor output = x.D is null ? y : ScalarOne.Add(y, x.U * x.D.unsqueeze(-1));
        if (x.Z is not null) output = output * nn.functional.silu(x.Z);
        return new SelectiveScanResult(output.MoveToOuterDisposeScope(), x.ReturnLastState ? h.MoveToOuterDisposeScope() : null);
    }

    /// <summary>
    /// For v (…, T): W[…, i, j] = exp(Σ_{j&lt;k≤i} v_k) for i ≥ j, else 0 — the weight of input j in state i. The sums are
    /// cumulative sums of masked copies of v, so no difference of large partial sums appears.
    /// </summary>
    static Tensor DecayWeights(Tensor v)
    {
        long t = v.shape[^1];
        var strictlyBelow = ones(t, t, dtype: ScalarType.Bool, device: v.device).tril(-1);
        var onOrBelow = ones(t, t, dtype: ScalarType.Bool, device: v.device).tril(0);
        var shape = v.shape.Append(t).ToArray();
        var seg = v.unsqueeze(-1).expand(shape).masked_fill(strictlyBelow.logical_not(), 0).cumsum(-2);
        return seg.masked_fill(onOrBelow.logical_not(), double.NegativeInfinity).exp();
    }
}
