using MambaIR.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Distributed;

/// <summary>
/// BasicSR's <c>EnlargedSampler</c> for one rank of data-parallel training. Per epoch:
/// <c>num_samples = ceil(len(dataset) × ratio / world_size)</c>, <c>total_size = num_samples × world_size</c> (the epoch
/// padded to a multiple of the world size); the order is <c>torch.randperm(total_size, generator=manual_seed(epoch))</c>
/// (libtorch's own generator, so the very permutation BasicSR draws), each value taken modulo the dataset length, and
/// rank r takes positions <c>r, r + world_size, r + 2·world_size, …</c> (<c>indices[rank:total_size:world_size]</c>).
/// BasicSR seeds the permutation with the epoch alone; the run's <c>manual_seed</c> enters through the per-sample
/// randomness (<see cref="SampleRandom"/>, keyed by <see cref="EpochPosition"/>). Without shuffling the permutation is
/// the identity. With one rank it is <see cref="EpochSampler"/>'s order exactly.
/// Batch k of rank r (positions k·B … k·B + B − 1 of its share) holds epoch positions r + world·(k·B + j), so batch k of
/// all ranks together is batch k of a single process with batch B × world_size when no padding is needed.
/// </summary>
public sealed class DistributedEpochSampler : IEpochSampler
{
    readonly object _gate = new();
    long _cachedEpoch = -1;
    int[]? _cached;

    /// <param name="datasetLength">Distinct samples.</param>
    /// <param name="enlargeRatio"><c>dataset_enlarge_ratio</c>.</param>
    /// <param name="shuffle"><c>use_shuffle</c>.</param>
    /// <param name="worldSize">Ranks.</param>
    /// <param name="rank">This rank.</param>
    public DistributedEpochSampler(int datasetLength, int enlargeRatio, bool shuffle, int worldSize, int rank)
    {
        if (datasetLength < 1) throw new ArgumentOutOfRangeException(nameof(datasetLength));
        if (enlargeRatio < 1) throw new ArgumentOutOfRangeException(nameof(enlargeRatio));
        if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), worldSize, "at least one rank");
        if (rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in 0..{worldSize - 1}");
        long n = (long)datasetLength * enlargeRatio;
        long perRank = (n + worldSize - 1) / worldSize;
        if (perRank * worldSize > int.MaxValue) throw new ArgumentException($"{datasetLength} samples × enlarge ratio {enlargeRatio} is more than {int.MaxValue} positions per epoch");
        DatasetLength = datasetLength; EnlargeRatio = enlargeRatio; Shuffle = shuffle; WorldSize = worldSize; Rank = rank;
        SamplesPerEpoch = (int)perRank;
        TotalSize = (int)(perRank * worldSize);
    }

    public int DatasetLength { get; }
    public int EnlargeRatio { get; }
    public bool Shuffle { get; }
    public int WorldSize { get; }
    public int Rank { get; }
    /// <summary><c>num_samples</c>: positions this rank visits per epoch.</summary>
    public int SamplesPerEpoch { get; }
    /// <summary><c>total_size</c>: the padded epoch, <c>num_samples × world_size</c> ≥ <c>len × ratio</c>.</summary>
    public int TotalSize { get; }

    public long BatchesPerEpoch(int batchSize) => SamplesPerEpoch / batchSize;

    /// <summary>BasicSR's logged "iter number per epoch": <c>ceil(len × ratio / (batch_size_per_gpu × world_size))</c>.</summary>
    public long BasicSrItersPerEpoch(int batchSize) => ((long)DatasetLength * EnlargeRatio + (long)batchSize * WorldSize - 1) / ((long)batchSize * WorldSize);

    public int EpochPosition(int position) => Rank + WorldSize * position;

    public int IndexAt(long epoch, int position) => EpochOrder(epoch)[EpochPosition(position)];

    /// <summary>This rank's dataset indices of an epoch, in order (<c>list(iter(sampler))</c> after <c>set_epoch</c>).</summary>
    public int[] Share(long epoch)
    {
        var all = EpochOrder(epoch);
        var share = new int[SamplesPerEpoch];
        for (int i = 0; i < share.Length; i++) share[i] = all[EpochPosition(i)];
        return share;
    }

    /// <summary>The whole padded epoch (all ranks): <c>[v % len for v in randperm(total_size)]</c>.</summary>
    public int[] EpochOrder(long epoch)
    {
        lock (_gate)
        {
            if (_cachedEpoch == epoch && _cached != null) return _cached;
            int[] order;
            if (Shuffle)
            {
                using var g = new Generator((ulong)epoch);
                using var perm = randperm(TotalSize, ScalarType.Int64, CPU, false, g);
                order = perm.data<long>().ToArray().Select(v => (int)(v % DatasetLength)).ToArray();
            }
            else order = Enumerable.Range(0, TotalSize).Select(v => v % DatasetLength).ToArray();
            _cachedEpoch = epoch;
            _cached = order;
            return order;
        }
    }
}
