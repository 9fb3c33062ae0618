namespace MambaIR.Training.Data;

/// <summary>
/// The order in which one process (rank) visits the training set in an epoch: <see cref="EpochSampler"/> for a single
/// process, <see cref="Distributed.DistributedEpochSampler"/> for one rank of data-parallel training.
/// </summary>
public interface IEpochSampler
{
    /// <summary>Distinct samples.</summary>
    int DatasetLength { get; }
    /// <summary><c>dataset_enlarge_ratio</c>.</summary>
    int EnlargeRatio { get; }
    /// <summary>Positions this process visits per epoch.</summary>
    int SamplesPerEpoch { get; }
    /// <summary>Full batches per epoch for <paramref name="batchSize"/> (drop_last).</summary>
    long BatchesPerEpoch(int batchSize);
    /// <summary>BasicSR's logged "iter number per epoch" for <paramref name="batchSize"/> samples per process:
    /// <c>ceil(len × ratio / (batch × world_size))</c>.</summary>
    long BasicSrItersPerEpoch(int batchSize);
    /// <summary>The dataset index at this process's <paramref name="position"/> of <paramref name="epoch"/> (thread-safe).</summary>
    int IndexAt(long epoch, int position);
    /// <summary>Where this process's <paramref name="position"/> lies in the epoch as a whole (the same for a single
    /// process). Per-sample randomness is keyed by it, so the ranks of a data-parallel run crop and flip each sample
    /// as a single process with the same global batch would.</summary>
    int EpochPosition(int position);
}
