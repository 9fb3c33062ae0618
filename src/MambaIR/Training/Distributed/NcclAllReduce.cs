using MambaIR.Native.Cuda;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Distributed;

/// <summary>
/// An <see cref="IGradientAllReduce"/> over NCCL, one process per CUDA device. <see cref="Create"/> bootstraps it:
/// the ranks meet through <see cref="TcpRendezvous"/> at <c>MASTER_ADDR:MASTER_PORT</c>, rank 0 creates the NCCL
/// unique id (<c>ncclGetUniqueId</c>) and sends its 128 bytes to every rank, each rank joins the communicator
/// (<c>ncclCommInitRank</c>) on its device. A reduction flattens the tensors into one bucket per dtype and makes one
/// <c>ncclAllReduce</c> per bucket, in place on the buckets' device memory (<see cref="TensorAddress"/>), on a stream of
/// NCCL's own that an event orders after the work libtorch has queued on the default stream; the default stream waits
/// for it by another event before the results are copied back, so a reduction sits between the backward and the
/// optimiser step without a host synchronisation, and <see cref="BeginAllReduce"/>'s buckets travel while the backward
/// computes the next ones. Average uses NCCL's <c>ncclAvg</c> (NCCL ≥ 2.10), else a sum then a division.
/// The barrier synchronises the device and meets over the rendezvous connection.
/// </summary>
public sealed class NcclAllReduce : IGradientAllReduce
{
    readonly Nccl _nccl;
    readonly TcpRendezvous _rendezvous;
    readonly Device _device;
    readonly IntPtr _context;
    IntPtr _comm;
    IntPtr _stream, _flattened; // NCCL's own stream and the event that orders it after libtorch's (made on first use)

    NcclAllReduce(Nccl nccl, TcpRendezvous rendezvous, Device device, IntPtr context, IntPtr comm)
    {
        _nccl = nccl; _rendezvous = rendezvous; _device = device; _context = context; _comm = comm;
    }

    public int Rank => _rendezvous.Rank;
    public int WorldSize => _rendezvous.WorldSize;
    public string Description => $"NCCL {_nccl.VersionText} ({_nccl.Path}) over {WorldSize} ranks; rank {Rank} on {_device}";

    /// <summary>Joins the run described by <paramref name="environment"/> on <paramref name="device"/> (a CUDA device).</summary>
    /// <param name="rendezvousTimeout">How long rank 0 waits for the others and the others retry reaching rank 0.</param>
    /// <exception cref="DllNotFoundException">NCCL or the CUDA driver cannot be loaded (the message says where it looked).</exception>
    /// <exception cref="TimeoutException">The ranks did not meet in time (the message names the address).</exception>
    public static NcclAllReduce Create(DistributedEnvironment environment, Device device, TimeSpan rendezvousTimeout)
    {
        if (device.type != DeviceType.CUDA)
            throw new NotSupportedException($"NCCL all-reduce needs a CUDA device; rank {environment.Rank} is on {device}");
        var nccl = Nccl.Instance; // before the rendezvous, so a missing library is reported at once
        var driver = CudaDriver.TryLoad(out var why) ?? throw new DllNotFoundException($"CUDA driver unavailable: {why}");
        var rendezvous = environment.Rank == 0
            ? TcpRendezvous.Host(environment.MasterPort, environment.WorldSize, rendezvousTimeout)
            : TcpRendezvous.Join(environment.MasterAddress, environment.MasterPort, environment.Rank, environment.WorldSize, rendezvousTimeout);
        try
        {
            byte[] id = rendezvous.Broadcast(environment.Rank == 0 ? nccl.GetUniqueId().ToArray() : null);
            int index = device.index < 0 ? 0 : device.index;
            IntPtr ctx = driver.PrimaryContext(index);
            driver.PushContext(ctx);
            IntPtr comm;
            try { comm = nccl.CommInitRank(environment.WorldSize, NcclUniqueId.From(id), environment.Rank); }
            finally { driver.PopContext(); }
            return new NcclAllReduce(nccl, rendezvous, device, ctx, comm);
        }
        catch
        {
            rendezvous.Dispose();
            throw;
        }
    }

    /// <summary>NCCL's type for a libtorch dtype.</summary>
    public static Nccl.DataType TypeOf(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => Nccl.DataType.Float32,
        ScalarType.Float64 => Nccl.DataType.Float64,
        ScalarType.Float16 => Nccl.DataType.Float16,
        ScalarType.BFloat16 => Nccl.DataType.Bfloat16,
        ScalarType.Int32 => Nccl.DataType.Int32,
        ScalarType.Int64 => Nccl.DataType.Int64,
        ScalarType.Int8 => Nccl.DataType.Int8,
        ScalarType.Byte => Nccl.DataType.Uint8,
        _ => throw new NotSupportedException($"NCCL cannot reduce {dtype} tensors"),
    };

    /// <summary>The reduction of <see cref="BeginAllReduce"/>, completed at once (still without a host synchronisation).</summary>
    public void AllReduce(IReadOnlyList<Tensor> tensors, AllReduceMode mode)
    {
        using var pending = BeginAllReduce(tensors, mode);
        pending.Complete();
    }

    /// <summary>Flattens the tensors on the default stream (libtorch's), then makes NCCL's stream wait for that point
    /// (an event) and queues the reduction there, so it runs beside whatever libtorch queues next (the rest of the
    /// backward). <see cref="PendingAllReduce.Complete"/> makes the default stream wait for the reduction's event before
    /// the values are copied back: the host never blocks. The buckets stay alive until then, so libtorch's caching
    /// allocator cannot hand their memory to other work while NCCL still reads or writes it.</summary>
    public PendingAllReduce BeginAllReduce(IReadOnlyList<Tensor> tensors, AllReduceMode mode)
    {
        ObjectDisposedException.ThrowIf(_comm == IntPtr.Zero, this);
        List<TensorBuckets.Bucket> buckets = tensors.Count == 0 ? [] : TensorBuckets.Flatten(tensors);
        foreach (var b in buckets) b.Flat.DetachFromDisposeScope();
        bool divideAfter = mode == AllReduceMode.Average && !_nccl.HasAverage; // NCCL < 2.10 has no ncclAvg
        IntPtr done = IntPtr.Zero;
        try
        {
            foreach (var b in buckets) CheckDevice(b.Flat);
            if (buckets.Count > 0)
                Run(() =>
                {
                    var driver = CudaDriver.Instance;
                    _stream = _stream != IntPtr.Zero ? _stream : driver.CreateNonBlockingStream();
                    _flattened = _flattened != IntPtr.Zero ? _flattened : driver.CreateEvent();
                    driver.RecordEvent(_flattened, IntPtr.Zero);
                    driver.StreamWaitEvent(_stream, _flattened);
                    foreach (var b in buckets)
                        _nccl.AllReduce(TensorAddress.Of(b.Flat), b.Flat.numel(), TypeOf(b.Dtype),
                            mode == AllReduceMode.Average && !divideAfter ? Nccl.ReduceOp.Avg : Nccl.ReduceOp.Sum, _comm, _stream);
                    done = driver.CreateEvent();
                    driver.RecordEvent(done, _stream);
                });
        }
        catch
        {
            foreach (var b in buckets) b.Flat.Dispose();
            throw;
        }
        return new PendingAllReduce(tensors, buckets, () =>
        {
            if (done == IntPtr.Zero) return;
            Run(() =>
            {
                var driver = CudaDriver.Instance;
                driver.StreamWaitEvent(IntPtr.Zero, done);
                driver.DestroyEvent(done);
            });
            if (divideAfter)
                foreach (var b in buckets) b.Flat.div_(WorldSize);
        });
    }

    public void BroadcastFromRank0(IReadOnlyList<Tensor> tensors)
    {
        ObjectDisposedException.ThrowIf(_comm == IntPtr.Zero, this);
        if (tensors.Count == 0) return;
        using var scope = NewDisposeScope();
        foreach (var bucket in TensorBuckets.Flatten(tensors))
        {
            CheckDevice(bucket.Flat);
            Run(() => _nccl.Broadcast(TensorAddress.Of(bucket.Flat), bucket.Flat.numel(), TypeOf(bucket.Dtype), 0, _comm, IntPtr.Zero));
            TensorBuckets.Scatter(bucket.Flat, tensors, bucket.Members);
        }
    }

    public void Barrier()
    {
        cuda.synchronize(_device);
        _rendezvous.Barrier();
    }

    void CheckDevice(Tensor t)
    {
        if (t.device.type != DeviceType.CUDA || t.device.index != (_device.index < 0 ? 0 : _device.index))
            throw new ArgumentException($"NCCL all-reduce of rank {Rank} is bound to {_device}; got a tensor on {t.device}");
    }

    /// <summary>Runs an NCCL call with the device's primary context current (the one libtorch uses).</summary>
    void Run(Action call)
    {
        var driver = CudaDriver.Instance;
        driver.PushContext(_context);
        try { call(); }
        finally { driver.PopContext(); }
    }

    public void Dispose()
    {
        if (_comm != IntPtr.Zero)
        {
            var comm = _comm;
            _comm = IntPtr.Zero;
            try
            {
                Run(() =>
                {
                    _nccl.CommDestroy(comm);
                    var driver = CudaDriver.Instance;
                    if (_flattened != IntPtr.Zero) driver.DestroyEvent(_flattened);
                    if (_stream != IntPtr.Zero) driver.DestroyStream(_stream);
                    _flattened = _stream = IntPtr.Zero;
                });
            }
            catch (CudaException) { }
        }
        _rendezvous.Dispose();
    }
}
