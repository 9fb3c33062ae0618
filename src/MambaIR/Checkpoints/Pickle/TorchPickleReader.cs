// Hand-written: torch.save's persistent ids and _rebuild_* calls, turned into storage/tensor records without reading any storage until a tensor is selected.
using static TorchSharp.torch;

namespace MambaIR.Checkpoints.Pickle;

/// <summary>A storage named by a persistent id <c>('storage', storage_type, key, location, numel[, view])</c>.</summary>
/// <param name="Key">The record key (<c>data/KEY</c> in a zip checkpoint).</param>
/// <param name="TypeName">The storage class, e.g. <c>torch.FloatStorage</c>.</param>
/// <param name="DType">Its dtype, or null when the storage type is not supported (e.g. quantized).</param>
/// <param name="NumElements">Elements in the storage.</param>
internal sealed record StorageRef(string Key, string TypeName, ScalarType? DType, string Location, long NumElements)
{
    /// <summary>Legacy (non-zip) format only: this storage is a view of <see cref="ViewOf"/> at <see cref="ViewOffset"/>.</summary>
    public string? ViewOf { get; init; }
    public long ViewOffset { get; init; }
}

/// <summary>A tensor as <c>torch._utils._rebuild_tensor_v2</c> describes it: a strided view of a storage.
/// Materialised only when selected, so optimizer state beside the weights is never read.</summary>
internal sealed record TensorRecord(StorageRef Storage, long StorageOffset, long[] Size, long[] Stride, ScalarType? DType)
{
    public long NumElements => Size.Aggregate(1L, (a, b) => a * b);
}

/// <summary>A tensor pickled in a way this reader cannot rebuild (quantized, sparse, nested ...).</summary>
internal sealed record UnsupportedTensor(string Rebuild);

/// <summary>
/// Unpickler for <c>torch.save</c> output. Models the tensor rebuild functions, storage types, dtypes and
/// persistent ids; everything else stays opaque (see <see cref="PickleReader"/>).
/// </summary>
internal sealed class TorchPickleReader : PickleReader
{
    public TorchPickleReader(Stream stream) : base(stream) { }

    /// <summary>Persistent ids seen, in order (the legacy format lists storages this way).</summary>
    public List<StorageRef> Storages { get; } = new();

    protected override object? PersistentLoad(object? pid)
    {
        if (pid is not object?[] t || t.Length < 5 || t[0] as string != "storage")
            throw Error($"unexpected persistent id {PickleFormat.Describe(pid)}");
        string typeName = t[1] is PickleGlobal g ? g.FullName : PickleFormat.Describe(t[1]);
        ScalarType? dtype = t[1] is PickleGlobal sg && sg.Module == "torch" ? TensorDTypes.FromStorageName(sg.Name) : null;
        string key = t[2] switch
        {
            string s => s,
            long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
            var other => throw Error($"storage key must be a str, got {PickleFormat.TypeName(other)}"),
        };
        string location = t[3] as string ?? "cpu";
        long numel = t[4] as long? ?? throw Error($"storage size must be an int, got {PickleFormat.TypeName(t[4])}");
        var storage = new StorageRef(key, typeName, dtype, location, numel);
        // Legacy format: ('storage', type, root_key, location, root_size, (view_key, offset, view_size)).
        if (t.Length >= 6 && t[5] is object?[] { Length: 3 } view && view[0] is string viewKey && view[1] is long viewOffset && view[2] is long viewSize)
            storage = new StorageRef(viewKey, typeName, dtype, location, viewSize) { ViewOf = key, ViewOffset = viewOffset };
        Storages.Add(storage);
        return storage;
    }

    protected override object? Reduce(object? callable, object?[] args)
    {
        if (callable is PickleGlobal g)
        {
            switch (g.FullName)
            {
                case "torch._utils._rebuild_tensor":
                case "torch._utils._rebuild_tensor_v2":
                    return RebuildTensor(args, dtype: null);
                case "torch._utils._rebuild_tensor_v3":
                    // (storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata)
                    if (args.Length < 7) throw Error("_rebuild_tensor_v3 needs 7 arguments");
                    return args[6] is PickleGlobal dt && TensorDTypes.FromTorchName(dt.Name) is { } st
                        ? RebuildTensor(args, st)
                        : new UnsupportedTensor($"torch._utils._rebuild_tensor_v3 with dtype {PickleFormat.Describe(args[6])}");
                case "torch._utils._rebuild_parameter":
                case "torch._utils._rebuild_parameter_with_state":
                    return args.Length > 0 ? args[0] : throw Error($"{g.Name} without arguments");
                case "torch._tensor._rebuild_from_type_v2":
                case "torch._tensor._rebuild_from_type":
                    // (func, new_type, args, state): a tensor subclass; rebuild the plain tensor.
                    return args.Length >= 3 && args[2] is object?[] inner ? Reduce(args[0], inner) : throw Error($"{g.Name}: bad arguments");
                case "torch.Size":
                    return args.Length == 1 && args[0] is object?[] dims ? dims : Array.Empty<object?>();
            }
            if (g.Module == "torch._utils" && g.Name.StartsWith("_rebuild_", StringComparison.Ordinal))
                return new UnsupportedTensor(g.FullName);
        }
        return base.Reduce(callable, args);
    }

    object RebuildTensor(object?[] args, ScalarType? dtype)
    {
        if (args.Length < 4) throw Error("_rebuild_tensor needs (storage, storage_offset, size, stride)");
        var storage = args[0] as StorageRef ?? throw Error($"tensor storage is a {PickleFormat.TypeName(args[0])}, not a persistent storage");
        long offset = args[1] as long? ?? throw Error("storage_offset must be an int");
        return new TensorRecord(storage, offset, Longs(args[2], "size"), Longs(args[3], "stride"), dtype ?? storage.DType);
    }

    long[] Longs(object? v, string what) => v switch
    {
        object?[] t => t.Select(x => x as long? ?? throw Error($"tensor {what} holds a {PickleFormat.TypeName(x)}")).ToArray(),
        long l => new[] { l },
        _ => throw Error($"tensor {what} must be a tuple, got {PickleFormat.TypeName(v)}"),
    };
}
