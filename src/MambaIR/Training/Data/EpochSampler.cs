using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Data;

/// <summary>
/// BasicSR's <c>EnlargedSampler</c> on one process: an epoch has <c>num_samples = len(dataset) × dataset_enlarge_ratio</c>
/// positions; with shuffling the order is <c>torch.randperm(num_samples, generator=manual_seed(epoch))</c> taken modulo
/// the dataset length (the same permutation as BasicSR's, from libtorch's own generator), otherwise positions in order.
/// The loader takes <c>⌊num_samples / batch⌋</c> full batches per epoch (<c>drop_last=True</c>).
/// </summary>
public sealed class EpochSampler : IEpochSampler
{
    readonly object _gate = new();
    long _cachedEpoch = -1;
    int[]? _cached;

    /// <param name="datasetLength">Distinct samples.</param>
    /// <param name="enlargeRatio"><c>dataset_enlarge_ratio</c>.</param>
    /// <param name="shuffle"><c>use_shuffle</c> (BasicSR's sampler always shuffles; false here means the plain order).</param>
    public EpochSampler(int datasetLength, int enlargeRatio, bool shuffle)
    {
        if (datasetLength < 1) throw new ArgumentOutOfRangeException(nameof(datasetLength));
        if (enlargeRatio < 1) throw new ArgumentOutOfRangeException(nameof(enlargeRatio));
        long n = (long)datasetLength * enlargeRatio;
        if (n > int.MaxValue) throw new ArgumentException($"{datasetLength} samples × enlarge ratio {enlargeRatio} is more than {int.MaxValue} positions per epoch");
        DatasetLength = datasetLength; EnlargeRatio = enlargeRatio; Shuffle = shuffle; SamplesPerEpoch = (int)n;
    }

    public int DatasetLength { get; }
    public int EnlargeRatio { get; }
    public bool Shuffle { get; }
    /// <summary>Positions per epoch.</summary>
    public int SamplesPerEpoch { get; }

    /// <summary>Full batches per epoch for <paramref name="batchSize"/> (drop_last).</summary>
    public long BatchesPerEpoch(int batchSize) => SamplesPerEpoch / batchSize;

    /// <summary>BasicSR's logged "iter number per epoch": <c>ceil(len × ratio / batch)</c>.</summary>
    public long BasicSrItersPerEpoch(int batchSize) => (SamplesPerEpoch + batchSize - 1) / batchSize;

    /// <summary>The dataset index at <paramref name="position"/> of <paramref name="epoch"/> (thread-safe).</summary>
    public int IndexAt(long epoch, int position) => Order(epoch)[position];

    /// <summary>A single process visits the whole epoch: a position is its own epoch position.</summary>
    public int EpochPosition(int position) => position;

    /// <summary>The dataset indices of an epoch, in order.</summary>
    public int[] Order(long epoch)
    {
        lock (_gate)
        {
            if (_cachedEpoch == epoch && _cached != null) return _cached;
            int[] order;
            if (Shuffle)
            {
                using var g = new Generator((ulong)epoch);
                using var perm = randperm(SamplesPerEpoch, ScalarType.Int64, CPU, false, g);
                order = perm.data<long>().ToArray().Select(v => (int)(v % DatasetLength)).ToArray();
            }
            else order = Enumerable.Range(0, SamplesPerEpoch).Select(v => v % DatasetLength).ToArray();
            _cachedEpoch = epoch;
            _cached = order;
            return order;
        }
    }
}
