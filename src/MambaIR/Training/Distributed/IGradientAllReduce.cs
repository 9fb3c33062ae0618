using static TorchSharp.torch;

namespace MambaIR.Training.Distributed;

/// <summary>
/// The collective operations data-parallel training needs between the ranks of one run (one rank per device):
/// an in-place all-reduce (sum or average) of a list of tensors, a broadcast from rank 0, and a barrier. Every rank
/// must call the same operations in the same order with tensors of the same shapes and dtypes.
/// Implementations: <see cref="InProcessAllReduce"/> (ranks are threads of one process; CPU, tests) and
/// <see cref="NcclAllReduce"/> (one process per CUDA device, through NCCL).
/// </summary>
public interface IGradientAllReduce : IDisposable
{
    /// <summary>This rank (0 … <see cref="WorldSize"/> − 1).</summary>
    int Rank { get; }

    /// <summary>The number of ranks.</summary>
    int WorldSize { get; }

    /// <summary>What carries the reduction, for the log (e.g. "NCCL 2.21.5 over 2 ranks").</summary>
    string Description { get; }

    /// <summary>Replaces every tensor of <paramref name="tensors"/> by the sum (or average) of that tensor over the ranks.
    /// The tensors are reduced as few flattened buckets (one per dtype), so a call makes few transfers.</summary>
    void AllReduce(IReadOnlyList<Tensor> tensors, AllReduceMode mode);

    /// <summary>Starts the all-reduce of <paramref name="tensors"/> and returns without waiting for it: their values are
    /// taken now (flattened into buckets), the reduction runs in the background (NCCL: on a stream of its own, beside
    /// libtorch's work; in-process: on the rank's collective thread), and <see cref="PendingAllReduce.Complete"/> writes
    /// the result back. This is what overlaps the gradients' reduction with the rest of the backward.</summary>
    PendingAllReduce BeginAllReduce(IReadOnlyList<Tensor> tensors, AllReduceMode mode);

    /// <summary>Replaces every tensor of <paramref name="tensors"/> by rank 0's value.</summary>
    void BroadcastFromRank0(IReadOnlyList<Tensor> tensors);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();
}
