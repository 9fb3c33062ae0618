using static TorchSharp.torch;

namespace MambaIR.Training.Distributed;

/// <summary>
/// An all-reduce started by <see cref="IGradientAllReduce.BeginAllReduce"/>: the tensors' values were taken when it
/// started (flattened into buckets), the transfer runs in the background, and <see cref="Complete"/> waits for it and
/// writes the reduced values back into the tensors. Complete every pending reduction, in the order they were begun,
/// before the tensors are read or another collective is called; disposing without completing releases the buckets.
/// </summary>
public sealed class PendingAllReduce : IDisposable
{
    readonly IReadOnlyList<Tensor> _tensors;
    readonly List<TensorBuckets.Bucket> _buckets;
    readonly Action _wait;
    bool _done;

    internal PendingAllReduce(IReadOnlyList<Tensor> tensors, List<TensorBuckets.Bucket> buckets, Action wait)
    {
        _tensors = tensors; _buckets = buckets; _wait = wait;
    }

    /// <summary>The number of elements in transit (all buckets).</summary>
    public long Elements => _buckets.Sum(b => b.Flat.numel());

    /// <summary>Waits for the reduction and copies the reduced buckets into the tensors.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        try
        {
            _wait();
            foreach (var b in _buckets) TensorBuckets.Scatter(b.Flat, _tensors, b.Members);
        }
        finally { Dispose(); }
    }

    public void Dispose()
    {
        if (_done) return;
        _done = true;
        foreach (var b in _buckets) b.Flat.Dispose();
    }
}
