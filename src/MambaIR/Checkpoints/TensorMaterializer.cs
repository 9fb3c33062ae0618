using MambaIR.Checkpoints.Pickle;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Checkpoints;

/// <summary>Supplies a storage as a flat CPU tensor of its dtype with <see cref="StorageRef.NumElements"/> elements.</summary>
internal interface IStorageSource
{
    Tensor Load(StorageRef storage, string tensorName);
}

/// <summary>
/// Turns <see cref="TensorRecord"/>s into contiguous tensors. A record is a strided view of a storage (as_strided
/// semantics, any strides, any offset); each storage is read once and shared by the records that view it.
/// A tensor that is exactly its whole storage keeps that memory; any other view is copied out, so a small slice
/// never pins a large storage and tensors never alias one another.
/// </summary>
internal sealed class TensorMaterializer : IDisposable
{
    readonly string _path;
    readonly IStorageSource _source;
    readonly Dictionary<string, Tensor> _storages = new();
    readonly Dictionary<string, int> _uses = new();

    public TensorMaterializer(string path, IStorageSource source, IEnumerable<TensorRecord> records)
    {
        _path = path;
        _source = source;
        foreach (var r in records) _uses[r.Storage.Key] = _uses.GetValueOrDefault(r.Storage.Key) + 1;
    }

    public Tensor Materialize(string name, TensorRecord r)
    {
        if (r.DType is not { } dtype)
            throw new CheckpointException(_path, $"tensor '{name}' uses storage type {r.Storage.TypeName}, which is not supported " +
                                                 "(supported: float32/64/16, bfloat16, int8/16/32/64, uint8, bool, complex64/128)");
        if (r.Storage.DType != dtype)
            throw new CheckpointException(_path, $"tensor '{name}' has dtype {dtype} but its storage is {r.Storage.TypeName}");
        Validate(name, r);
        using var scope = NewDisposeScope();
        Tensor result;
        if (r.NumElements == 0)
            result = empty(r.Size, dtype);
        else
        {
            Tensor storage = Storage(r.Storage, name);
            bool wholeStorage = r.StorageOffset == 0 && r.NumElements == storage.shape[0] && IsContiguous(r.Size, r.Stride)
                                && _uses[r.Storage.Key] == 1;
            result = wholeStorage
                ? storage.view(r.Size)
                : storage.as_strided(r.Size, r.Stride, r.StorageOffset).contiguous().clone();
        }
        return result.DetachFromDisposeScope();
    }

    void Validate(string name, TensorRecord r)
    {
        string Where() => $"tensor '{name}' (size [{string.Join(", ", r.Size)}], stride [{string.Join(", ", r.Stride)}], offset {r.StorageOffset})";
        if (r.Size.Length != r.Stride.Length)
            throw new CheckpointException(_path, $"{Where()}: size and stride have different lengths");
        if (r.Size.Any(s => s < 0) || r.Stride.Any(s => s < 0) || r.StorageOffset < 0)
            throw new CheckpointException(_path, $"{Where()}: negative size, stride or offset");
        if (r.NumElements == 0) return;
        long last = r.StorageOffset;
        for (int i = 0; i < r.Size.Length; i++) last += (r.Size[i] - 1) * r.Stride[i];
        if (last >= r.Storage.NumElements)
            throw new CheckpointException(_path, $"{Where()} reads element {last} of its storage '{r.Storage.Key}', which holds {r.Storage.NumElements}");
    }

    static bool IsContiguous(long[] size, long[] stride)
    {
        long expected = 1;
        for (int i = size.Length - 1; i >= 0; i--)
        {
            if (size[i] != 1 && stride[i] != expected) return false;
            expected *= size[i];
        }
        return true;
    }

    Tensor Storage(StorageRef s, string name)
    {
        if (_storages.TryGetValue(s.Key, out var t)) return t;
        t = _source.Load(s, name);
        t.DetachFromDisposeScope();
        _storages[s.Key] = t;
        return t;
    }

    public void Dispose()
    {
        foreach (var t in _storages.Values) t.Dispose();
        _storages.Clear();
    }
}
