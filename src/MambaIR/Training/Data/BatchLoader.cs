using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace MambaIR.Training.Data;

/// <summary>A collated training batch: (B, C, h, w) LQ and (B, C, H, W) GT as flat float32 arrays.</summary>
/// <param name="Epoch">The epoch it belongs to.</param>
/// <param name="IndexInEpoch">Its position among the epoch's batches (0-based).</param>
public sealed record TrainingBatch(long Epoch, long IndexInEpoch, float[] Lq, long[] LqShape, float[] Gt, long[] GtShape, int[] Indices);

/// <summary>
/// Builds training batches on background threads, ahead of the trainer, with at most <see cref="Capacity"/> batches
/// built or being built beyond the one the trainer is waiting for. Batch k of an epoch holds the samples at positions
/// k·B … k·B + B − 1 of the <see cref="EpochSampler"/> order, each built with its own
/// <see cref="SampleRandom"/>(seed, epoch, position): the batches, and so the run, are identical for any number of
/// threads, and a run resumed at (epoch, batch) continues exactly where it stopped. With 0 workers batches are built
/// on the calling thread. Errors raised while building a batch (an undecodable image, a size mismatch) are thrown by
/// <see cref="Next"/> for that batch.
/// </summary>
public sealed class BatchLoader : IDisposable
{
    readonly ITrainingDataset _data;
    readonly IEpochSampler _sampler;
    readonly long _seed, _startEpoch, _startBatch, _batchesPerEpoch;
    readonly ConcurrentDictionary<long, (TrainingBatch? Batch, ExceptionDispatchInfo? Error)> _ready = new();
    readonly SemaphoreSlim _slots;
    readonly object _signal = new();
    readonly Thread[] _threads;
    long _nextClaim = -1, _nextTake;
    volatile bool _stopped;

    /// <param name="data">The dataset.</param>
    /// <param name="sampler">The epoch order (of this rank, in data-parallel training).</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="seed">The run's seed (<c>manual_seed</c>).</param>
    /// <param name="workers">Background threads (0: build on the calling thread).</param>
    /// <param name="capacity">Batches built ahead at most (≥ 1).</param>
    /// <param name="startEpoch">Epoch of the first batch.</param>
    /// <param name="startBatch">Index in that epoch of the first batch.</param>
    public BatchLoader(ITrainingDataset data, IEpochSampler sampler, int batchSize, long seed, int workers, int capacity, long startEpoch = 0, long startBatch = 0)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize));
        _batchesPerEpoch = sampler.BatchesPerEpoch(batchSize);
        if (_batchesPerEpoch < 1)
            throw new InvalidDataException($"training set {data.Name} has {data.Count} sample(s) × enlarge ratio {sampler.EnlargeRatio} = {sampler.SamplesPerEpoch} per epoch, fewer than one batch of {batchSize}");
        if (startBatch < 0 || startBatch >= _batchesPerEpoch) throw new ArgumentOutOfRangeException(nameof(startBatch), startBatch, $"an epoch has {_batchesPerEpoch} batches");
        _data = data; _sampler = sampler; BatchSize = batchSize; _seed = seed; _startEpoch = startEpoch; _startBatch = startBatch;
        Workers = Math.Max(0, workers);
        Capacity = Math.Max(1, capacity);
        _slots = new SemaphoreSlim(Capacity, int.MaxValue);
        _threads = new Thread[Workers];
        for (int i = 0; i < Workers; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"mambair-loader-{i}" };
            _threads[i].Start();
        }
    }

    public int BatchSize { get; }
    public int Workers { get; }
    public int Capacity { get; }
    /// <summary>Full batches per epoch.</summary>
    public long BatchesPerEpoch => _batchesPerEpoch;

    /// <summary>(epoch, index in epoch) of the <paramref name="n"/>-th batch this loader delivers.</summary>
    public (long Epoch, long Batch) Locate(long n)
    {
        long b = _startBatch + n;
        return (_startEpoch + b / _batchesPerEpoch, b % _batchesPerEpoch);
    }

    /// <summary>The next batch (blocks until it is built). Rethrows an error raised while building it.</summary>
    public TrainingBatch Next()
    {
        ObjectDisposedException.ThrowIf(_stopped, this);
        long n = _nextTake++;
        if (Workers == 0)
        {
            var (e, b) = Locate(n);
            return Build(e, b);
        }
        (TrainingBatch? Batch, ExceptionDispatchInfo? Error) r;
        lock (_signal)
            while (!_ready.TryRemove(n, out r)) Monitor.Wait(_signal);
        _slots.Release();
        r.Error?.Throw();
        return r.Batch!;
    }

    void Work()
    {
        while (true)
        {
            try { _slots.Wait(); }
            catch (ObjectDisposedException) { return; }
            if (_stopped) return;
            long n = Interlocked.Increment(ref _nextClaim);
            var (epoch, batch) = Locate(n);
            (TrainingBatch?, ExceptionDispatchInfo?) result;
            try { result = (Build(epoch, batch), null); }
            catch (Exception e) { result = (null, ExceptionDispatchInfo.Capture(e)); }
            lock (_signal)
            {
                _ready[n] = result;
                Monitor.PulseAll(_signal);
            }
        }
    }

    /// <summary>Builds batch <paramref name="batch"/> of <paramref name="epoch"/> (deterministic; any thread).</summary>
    public TrainingBatch Build(long epoch, long batch)
    {
        int b = BatchSize;
        var samples = new TrainingSample[b];
        var indices = new int[b];
        for (int j = 0; j < b; j++)
        {
            int position = checked((int)(batch * b + j));
            int index = _sampler.IndexAt(epoch, position);
            indices[j] = index;
            samples[j] = _data.Load(index, new SampleRandom(_seed, epoch, _sampler.EpochPosition(position)));
        }
        var s0 = samples[0];
        foreach (var s in samples)
            if (s.LqHeight != s0.LqHeight || s.LqWidth != s0.LqWidth || s.GtHeight != s0.GtHeight || s.GtWidth != s0.GtWidth || s.Channels != s0.Channels)
                throw new InvalidDataException($"training set {_data.Name}: samples of one batch have different sizes ({s0.LqWidth}×{s0.LqHeight} and {s.LqWidth}×{s.LqHeight}); set gt_size so every sample is cropped to one size");
        int lqN = s0.Lq.Length, gtN = s0.Gt.Length;
        var lq = new float[(long)lqN * b];
        var gt = new float[(long)gtN * b];
        for (int j = 0; j < b; j++)
        {
            Array.Copy(samples[j].Lq, 0, lq, (long)j * lqN, lqN);
            Array.Copy(samples[j].Gt, 0, gt, (long)j * gtN, gtN);
        }
        return new TrainingBatch(epoch, batch, lq, [b, s0.Channels, s0.LqHeight, s0.LqWidth], gt, [b, s0.Channels, s0.GtHeight, s0.GtWidth], indices);
    }

    /// <summary>Stops the threads (a batch being built is finished and dropped).</summary>
    public void Dispose()
    {
        if (_stopped) return;
        _stopped = true;
        _slots.Release(Workers + 1);
        foreach (var t in _threads) t.Join(TimeSpan.FromSeconds(30));
        _slots.Dispose();
    }
}
