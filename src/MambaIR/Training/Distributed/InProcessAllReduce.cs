using static TorchSharp.torch;

namespace MambaIR.Training.Distributed;

/// <summary>
/// An <see cref="IGradientAllReduce"/> whose ranks are threads of one process (CPU training, tests of data-parallel
/// training without GPUs). <see cref="CreateGroup"/> makes the ranks; each thread uses its own. A reduction is
/// barrier-based and deterministic: every rank deposits its flattened buckets, then every rank adds them in rank order
/// (rank 0 + rank 1 + …, then ÷ world size for <see cref="AllReduceMode.Average"/>), so all ranks get bit-identical
/// results whatever the thread timing. Each rank's collectives run in call order on a thread of the rank's own
/// (<see cref="CollectiveThread"/>), so <see cref="BeginAllReduce"/> returns at once and the reduction proceeds beside
/// the caller's work, as NCCL's does on its stream. A rank that stops calling (an exception on its thread) makes the others fail
/// after <see cref="Timeout"/> instead of waiting forever.
/// </summary>
public sealed class InProcessAllReduce : IGradientAllReduce
{
    readonly Shared _shared;
    readonly CollectiveThread _thread;

    sealed class Shared(int world, TimeSpan timeout)
    {
        public readonly Barrier Barrier = new(world);
        public readonly List<TensorBuckets.Bucket>?[] Slots = new List<TensorBuckets.Bucket>?[world];
        public readonly TimeSpan Timeout = timeout;
        public volatile bool Broken;
    }

    InProcessAllReduce(Shared shared, int rank, int world)
    {
        _shared = shared; Rank = rank; WorldSize = world;
        _thread = new CollectiveThread($"mambair-collectives-rank{rank}");
    }

    /// <summary>The ranks of a group of <paramref name="worldSize"/> threads; hand element r to the thread of rank r.</summary>
    /// <param name="timeout">How long a rank waits for the others at one step (default 10 minutes).</param>
    public static InProcessAllReduce[] CreateGroup(int worldSize, TimeSpan? timeout = null)
    {
        if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), worldSize, "at least one rank");
        var shared = new Shared(worldSize, timeout ?? TimeSpan.FromMinutes(10));
        return Enumerable.Range(0, worldSize).Select(r => new InProcessAllReduce(shared, r, worldSize)).ToArray();
    }

    public int Rank { get; }
    public int WorldSize { get; }
    public TimeSpan Timeout => _shared.Timeout;
    public string Description => $"in-process all-reduce over {WorldSize} thread rank(s)";

    public void AllReduce(IReadOnlyList<Tensor> tensors, AllReduceMode mode)
    {
        using var pending = BeginAllReduce(tensors, mode);
        pending.Complete();
    }

    public PendingAllReduce BeginAllReduce(IReadOnlyList<Tensor> tensors, AllReduceMode mode)
    {
        var mine = tensors.Count == 0 ? [] : TensorBuckets.Flatten(tensors);
        foreach (var b in mine) b.Flat.DetachFromDisposeScope(); // the pending reduction owns them until Complete
        var done = Post(() => Exchange(mine, mode));
        return new PendingAllReduce(tensors, mine, () => CollectiveThread.Wait(done));
    }

    /// <summary>On the collective thread: every rank deposits its buckets, then each adds all ranks' in rank order into
    /// its own buckets (after a second barrier, so nobody's values change while another rank reads them).</summary>
    void Exchange(List<TensorBuckets.Bucket> mine, AllReduceMode mode)
    {
        if (mine.Count == 0) { BarrierNow(); return; }
        if (WorldSize == 1) return; // the sum and the average over one rank are its own values
        using var scope = NewDisposeScope();
        _shared.Slots[Rank] = mine;
        BarrierNow();
        var sums = new List<Tensor>(mine.Count);
        try
        {
            for (int b = 0; b < mine.Count; b++)
            {
                var acc = Peer(0, b, mine[b]).Flat.clone();
                for (int r = 1; r < WorldSize; r++) acc.add_(Peer(r, b, mine[b]).Flat);
                if (mode == AllReduceMode.Average) acc.div_(WorldSize);
                sums.Add(acc);
            }
        }
        finally { BarrierNow(); } // nobody's bucket is replaced before every rank has read it
        _shared.Slots[Rank] = null;
        for (int b = 0; b < mine.Count; b++) mine[b].Flat.copy_(sums[b]);
    }

    public void BroadcastFromRank0(IReadOnlyList<Tensor> tensors)
    {
        if (tensors.Count == 0) { Barrier(); return; }
        using var scope = NewDisposeScope();
        var mine = TensorBuckets.Flatten(tensors);
        Run(() =>
        {
            _shared.Slots[Rank] = mine;
            BarrierNow();
            try
            {
                if (Rank != 0)
                    for (int b = 0; b < mine.Count; b++) mine[b].Flat.copy_(Peer(0, b, mine[b]).Flat);
            }
            finally { BarrierNow(); }
            _shared.Slots[Rank] = null;
        });
        if (Rank != 0)
            foreach (var b in mine) TensorBuckets.Scatter(b.Flat, tensors, b.Members);
    }

    TensorBuckets.Bucket Peer(int rank, int index, TensorBuckets.Bucket like)
    {
        var slot = _shared.Slots[rank] ?? throw new InvalidOperationException($"all-reduce: rank {rank} deposited nothing");
        if (slot.Count <= index || slot[index].Dtype != like.Dtype || slot[index].Flat.numel() != like.Flat.numel())
            throw new InvalidOperationException($"all-reduce: rank {rank}'s tensors differ from rank {Rank}'s (bucket {index}: {like.Dtype}, {like.Flat.numel()} elements); every rank must reduce the same shapes");
        return slot[index];
    }

    public void Barrier() => Run(BarrierNow);

    /// <summary>Runs <paramref name="work"/> on this rank's collective thread, after what was posted before, and waits.</summary>
    void Run(Action work) => CollectiveThread.Wait(Post(work));

    /// <summary>Queues a collective on this rank's thread (inline for a single rank: nothing to pair with).</summary>
    Task Post(Action work)
    {
        if (WorldSize == 1)
        {
            try { work(); return Task.CompletedTask; }
            catch (Exception e) { return Task.FromException(e); }
        }
        return _thread.Post(work);
    }

    void BarrierNow()
    {
        if (WorldSize == 1) return;
        if (_shared.Broken) throw new InvalidOperationException("in-process all-reduce: another rank failed; the group cannot continue");
        bool ok;
        try { ok = _shared.Barrier.SignalAndWait(_shared.Timeout); }
        catch (BarrierPostPhaseException e) { _shared.Broken = true; throw new InvalidOperationException("in-process all-reduce: barrier failed", e); }
        if (!ok)
        {
            _shared.Broken = true;
            throw new TimeoutException($"in-process all-reduce: rank {Rank} waited {_shared.Timeout} for the other {WorldSize - 1} rank(s); one of them stopped");
        }
    }

    /// <summary>Ends this rank's collective thread (the group's barrier is shared).</summary>
    public void Dispose() => _thread.Dispose();
}
