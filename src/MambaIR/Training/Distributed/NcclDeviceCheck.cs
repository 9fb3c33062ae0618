using System.Net;
using System.Net.Sockets;
using MambaIR.Native.Cuda;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Distributed;

/// <summary>What <see cref="NcclDeviceCheck.Run"/> found: null <see cref="Passed"/> when NCCL is not available (not an error
/// for single-GPU use), with <see cref="Message"/> saying why or what was checked.</summary>
public sealed record NcclCheckResult(bool? Passed, string Message);

/// <summary>
/// A one-GPU check of the NCCL binding: a 1-rank communicator through the real bootstrap (TCP rendezvous on localhost,
/// unique id, <c>ncclCommInitRank</c>), then an all-reduce (sum and average) and a broadcast of float32 and float64
/// buckets on the device, which with one rank must leave every value bit-identical, the same through the overlapped path
/// (<see cref="NcclAllReduce.BeginAllReduce"/> on NCCL's own stream, completed after other work), a barrier, and the teardown.
/// It proves the library loads and the calls' signatures and device pointers are right; the sums across ranks need
/// two GPUs (<c>mambair train --gpus 2</c>).
/// </summary>
public static class NcclDeviceCheck
{
    public static NcclCheckResult Run(Device device)
    {
        if (device.type != DeviceType.CUDA) return new(null, "NCCL: not checked (not a CUDA device)");
        try { _ = Nccl.Instance; }
        catch (DllNotFoundException e) { return new(null, $"NCCL: unavailable ({e.Message}); data-parallel training cannot run here"); }
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0)) { probe.Start(); port = ((IPEndPoint)probe.LocalEndpoint).Port; probe.Stop(); }
        var env = new DistributedEnvironment(0, 1, device.index < 0 ? 0 : device.index, "127.0.0.1", port);
        using var ranks = NcclAllReduce.Create(env, device, TimeSpan.FromSeconds(30));
        using var scope = NewDisposeScope();
        manual_seed(5);
        Tensor[] Make() => [randn(3, 4).to(device), randn(7).to(device), randn(new long[] { 2, 5 }, ScalarType.Float64).to(device)];
        var reference = Make().Select(t => t.clone()).ToArray();
        var sum = reference.Select(t => t.clone()).ToArray();
        ranks.AllReduce(sum, AllReduceMode.Sum);
        var avg = reference.Select(t => t.clone()).ToArray();
        ranks.AllReduce(avg, AllReduceMode.Average);
        var bcast = reference.Select(t => t.clone()).ToArray();
        ranks.BroadcastFromRank0(bcast);
        // Overlapped: started on NCCL's stream, the tensors then changed and other work queued on libtorch's stream;
        // completing must write back the values taken at the start, after the reduction (events order the streams).
        var early = reference.Select(t => t.clone()).ToArray();
        using (var pending = ranks.BeginAllReduce(early, AllReduceMode.Average))
        {
            foreach (var t in early) t.add_(1);
            using var busy = randn(2048, 2048, device: device);
            using var product = busy.matmul(busy);
            pending.Complete();
        }
        ranks.Barrier();
        bool Same(Tensor[] a) => a.Zip(reference).All(p => p.First.eq(p.Second).all().item<bool>());
        bool ok = Same(sum) && Same(avg) && Same(bcast);
        bool overlapped = Same(early);
        return new(ok && overlapped, $"NCCL: {ranks.Description}: 1-rank all-reduce (sum, average) and broadcast of float32/float64 buckets {(ok ? "bit-identical" : "CHANGED the values")}; " +
            $"all-reduce on NCCL's own stream, completed after other work: {(overlapped ? "bit-identical" : "WRONG values")}");
    }
}
