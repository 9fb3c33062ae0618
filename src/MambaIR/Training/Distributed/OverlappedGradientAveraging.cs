using MambaIR.Native.Cuda;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MambaIR.Training.Distributed;

/// <summary>
/// Averages the gradients over the ranks while the backward is still running, bucket by bucket, as PyTorch's
/// DistributedDataParallel does. The units are the network's outermost sub-modules that its forward invokes through
/// <c>call</c> (TorchSharp's hook-running call; MambaIR's residual groups, MambaIRv2's attentive groups, the U-Net's blocks): a forward pre-hook
/// records the order they run in and puts a <see cref="GradientReadyMarker"/> on each unit's input. Consecutive units
/// form buckets (<see cref="GradientBucketPlan"/>); when the markers of all units of a bucket have fired, its gradients are
/// final and their reduction starts (<see cref="IGradientAllReduce.BeginAllReduce"/>) while the backward goes on.
/// <see cref="Finish"/>, after the backward, reduces what no bucket covered (the layers before the first unit and after
/// the last, the logged losses) and waits for everything.
/// <para>The first step only observes the order (everything is reduced at the end); the plan holds from the second on.
/// A step whose forward runs the units in another order, or a unit twice, is reduced at the end as a whole (the same
/// result, without the overlap); a network that runs a unit twice in every step never overlaps (see <see cref="Plan"/>).</para>
/// </summary>
public sealed class OverlappedGradientAveraging : IDisposable
{
    /// <summary>PyTorch DDP's default <c>bucket_cap_mb</c> (25 MiB).</summary>
    public const long DefaultBucketCapBytes = 25L << 20;

    sealed record Unit(string Name, Parameter[] Parameters, long Bytes);

    readonly Module _network;
    readonly IGradientAllReduce _ranks;
    readonly long _capBytes;
    readonly List<Unit> _units = [];
    readonly List<IDisposable> _hooks = [];

    int[]? _order;                 // the plan: unit ids in forward order
    GradientBucketPlan? _plan;
    string _planText = "not made yet (the first step observes the order of the units)";

    bool _recording, _matches;
    int _depth;
    readonly List<int> _seen = [];
    int[] _firedUnits = [];
    readonly HashSet<int> _begun = [];
    readonly List<(PendingAllReduce Pending, Tensor[] Grads)> _pending = [];
    Exception? _failure;

    /// <param name="network">The replica this rank trains (its parameters must have been broadcast from rank 0).</param>
    /// <param name="bucketCapBytes">A bucket is closed once it holds this many bytes of gradients.</param>
    public OverlappedGradientAveraging(Module network, IGradientAllReduce ranks, long bucketCapBytes = DefaultBucketCapBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketCapBytes, 1L);
        _network = network; _ranks = ranks; _capBytes = bucketCapBytes;
        foreach (var (name, module) in network.named_modules())
        {
            if (module is not Module<Tensor, Tensor> unit || ReferenceEquals(module, network)) continue;
            var parameters = unit.parameters().Where(p => p.requires_grad).ToArray();
            if (parameters.Length == 0) continue;
            int id = _units.Count;
            _units.Add(new Unit(name, parameters, parameters.Sum(p => p.numel() * p.ElementSize)));
            _hooks.Add(new Hook(unit.register_forward_pre_hook((_, x) => Enter(id, x)!)));
            _hooks.Add(new Hook(unit.register_forward_hook((_, _, _) => { Exit(); return null!; })));
        }
    }

    sealed class Hook(Module<Tensor, Tensor>.HookRemover remover) : IDisposable
    {
        public void Dispose() => remover.remove();
    }

    /// <summary>The buckets, for the log.</summary>
    public string Plan => _planText;

    /// <summary>How many buckets the last step reduced during its backward, and how many the plan has.</summary>
    public (int DuringBackward, int Buckets) LastStep { get; private set; }

    /// <summary>Call before the forward of a training step.</summary>
    public void BeginStep()
    {
        if (_pending.Count > 0) throw new InvalidOperationException("the previous step's reductions were not finished");
        _recording = true;
        _depth = 0;
        _seen.Clear();
        _matches = _plan is not null;
        _firedUnits = new int[_plan?.Buckets.Count ?? 0];
        _begun.Clear();
        _failure = null;
    }

    Tensor? Enter(int id, Tensor x)
    {
        if (!_recording || !is_grad_enabled()) return null;
        if (_depth++ > 0) return null; // inside another unit: part of that unit's bucket
        _seen.Add(id);
        if (!_matches) return null;
        int position = _seen.Count - 1;
        if (position >= _order!.Length || _order[position] != id) { _matches = false; return null; }
        if (!x.requires_grad) return null; // no gradient reaches it; its bucket is reduced at the end
        int bucket = _plan!.BucketOfUnit[position];
        return GradientReadyMarker.Mark(x, () => UnitReady(bucket));
    }

    void Exit()
    {
        if (_recording && is_grad_enabled() && _depth > 0) _depth--;
    }

    /// <summary>From the backward: one more unit of <paramref name="bucket"/> has its gradients.</summary>
    void UnitReady(int bucket)
    {
        // The whole forward is known by now: a step that ran fewer units than the plan is reduced at the end.
        if (!_matches || _seen.Count != _order!.Length) return;
        if (_failure is not null || ++_firedUnits[bucket] < _plan!.Buckets[bucket].Length || !_begun.Add(bucket)) return;
        // This runs inside libtorch's backward (a native callback): an exception escaping it would end the process, so
        // it is kept and thrown by Finish.
        try
        {
            var grads = _plan.Buckets[bucket].SelectMany(u => _units[_order[u]].Parameters)
                .Select(p => p.grad).Where(g => g is not null).Select(g => g!).ToArray();
            _pending.Add((_ranks.BeginAllReduce(grads, AllReduceMode.Average), grads));
        }
        catch (Exception e) { _failure = e; }
    }

    /// <summary>After the backward: averages the gradients no bucket has taken and <paramref name="values"/> (the
    /// logged losses), waits for every reduction of the step and returns the averaged values.</summary>
    public double[] Finish(Device device, params double[] values)
    {
        _recording = false;
        try
        {
            if (_failure is { } failure)
            {
                _failure = null;
                throw new InvalidOperationException($"the gradient reduction started during the backward failed: {failure.Message}", failure);
            }
            using var scope = NewDisposeScope();
            var covered = new HashSet<ulong>();
            if (_plan is not null)
                foreach (int b in _begun)
                    foreach (int u in _plan.Buckets[b])
                        foreach (var p in _units[_order![u]].Parameters) covered.Add(Address(p));
            var rest = new List<Tensor>();
            foreach (var p in _network.parameters())
                if (p.grad is { } g && !covered.Contains(Address(p))) rest.Add(g);
            var scalars = tensor(values, ScalarType.Float64).to(device);
            rest.Add(scalars);
            _pending.Add((_ranks.BeginAllReduce(rest, AllReduceMode.Average), []));
            LastStep = (_begun.Count, _plan?.Buckets.Count ?? 0);
            foreach (var (pending, _) in _pending) pending.Complete();
            var averaged = scalars.cpu().data<double>().ToArray();
            if (!_matches) Replan();
            return averaged;
        }
        finally
        {
            foreach (var (pending, grads) in _pending)
            {
                pending.Dispose();
                foreach (var g in grads) g.Dispose();
            }
            _pending.Clear();
        }
    }

    /// <summary>A new plan from the order the last forward ran the units in.</summary>
    void Replan()
    {
        if (_seen.Count == 0) { _plan = null; _order = null; _planText = "none: the forward invokes no sub-module with parameters through call, so the gradients are averaged after the backward"; return; }
        var twice = _seen.GroupBy(id => id).FirstOrDefault(g => g.Count() > 1);
        var owners = new Dictionary<ulong, int>();
        string? shared = null;
        foreach (int id in _seen.Distinct())
            foreach (var p in _units[id].Parameters)
                if (!owners.TryAdd(Address(p), id) && owners[Address(p)] != id) shared ??= $"{_units[owners[Address(p)]].Name} and {_units[id].Name} share a parameter";
        if (twice is not null || shared is not null)
        {
            _plan = null; _order = null;
            _planText = $"none: {(twice is not null ? $"{_units[twice.Key].Name} runs more than once per forward" : shared)}; the gradients are averaged after the backward";
            return;
        }
        _order = _seen.ToArray();
        _plan = GradientBucketPlan.Build(_order.Select(id => _units[id].Bytes).ToArray(), _capBytes);
        _planText = $"{_plan.Buckets.Count} bucket(s) of at least {_capBytes / (1024.0 * 1024.0):0.##} MiB over {_order.Length} unit(s), reduced during the backward: " +
            string.Join("; ", _plan.Buckets.Select(b => $"[{string.Join(", ", b.Select(u => _units[_order[u]].Name))}] {b.Sum(u => _units[_order[u]].Bytes) / (1024.0 * 1024.0):0.00} MiB"));
    }

    static ulong Address(Tensor p) => TensorAddress.Of(p);

    public void Dispose()
    {
        foreach (var h in _hooks) h.Dispose();
        _hooks.Clear();
        foreach (var (pending, _) in _pending) pending.Dispose();
        _pending.Clear();
    }
}
