using System.Buffers.Binary;
using System.Numerics;
using MambaIR.Checkpoints.Pickle;
using static TorchSharp.torch;

namespace MambaIR.Checkpoints;

/// <summary>
/// Reads PyTorch's legacy checkpoint format (torch &lt; 1.6, or <c>_use_new_zipfile_serialization=False</c>): five
/// pickles in a row (magic number, protocol version 1001, sys_info, the object with storages as persistent ids,
/// the list of storage keys), then for each key an int64 element count and the raw storage bytes.
/// </summary>
internal sealed class LegacyTorchReader : IStorageSource, IDisposable
{
    static readonly BigInteger MagicNumber = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);
    const long ProtocolVersion = 1001;

    sealed record StoredStorage(long DataOffset, long NumElements, ScalarType? DType, string TypeName);

    readonly string _path;
    readonly FileStream _file;
    readonly bool _bigEndian;
    readonly Dictionary<string, StoredStorage> _stored = new();
    readonly Dictionary<string, Tensor> _roots = new();

    LegacyTorchReader(string path, FileStream file, bool bigEndian)
    {
        _path = path;
        _file = file;
        _bigEndian = bigEndian;
    }

    public static StateDict Load(string path, string paramKey)
    {
        var file = File.OpenRead(path);
        try
        {
            var buffered = new BufferedStream(file, 1 << 16);
            object? Next(string what)
            {
                try { return new PickleReader(buffered).Load(); }
                catch (PickleException e) { throw new CheckpointException(path, $"cannot decode the {what} of a legacy PyTorch checkpoint: {e.Message}", e); }
            }
            var magic = Next("magic number");
            if (!(magic is BigInteger b && b == MagicNumber))
                throw new CheckpointException(path, "a Python pickle without PyTorch's magic number, so not a torch.save checkpoint " +
                                                    $"(it starts with {PickleFormat.TypeName(magic)} {PickleFormat.Describe(magic)})");
            if (Next("protocol version") is not long version || version != ProtocolVersion)
                throw new CheckpointException(path, $"legacy PyTorch checkpoint with unknown protocol version (expected {ProtocolVersion})");
            bool bigEndian = Next("sys_info") is PickleDict info && info.TryGet("little_endian", out var le) && le is false;

            var unpickler = new TorchPickleReader(buffered);
            object? root;
            try { root = unpickler.Load(); }
            catch (PickleException e) { throw new CheckpointException(path, $"cannot decode the pickled object: {e.Message}", e); }
            if (Next("storage key list") is not List<object?> keys)
                throw new CheckpointException(path, "legacy PyTorch checkpoint without a storage key list (truncated file?)");

            using var reader = new LegacyTorchReader(path, file, bigEndian);
            reader.IndexStorages(keys, unpickler.Storages, buffered.Position);
            return Checkpoint.Materialize(path, root, paramKey, reader);
        }
        finally
        {
            file.Dispose();
        }
    }

    /// <summary>Walks the storage section once, recording where each storage's bytes start.</summary>
    void IndexStorages(List<object?> keys, List<StorageRef> refs, long position)
    {
        var types = new Dictionary<string, StorageRef>();
        foreach (var r in refs) types.TryAdd(r.ViewOf ?? r.Key, r);
        Span<byte> count = stackalloc byte[8];
        foreach (var k in keys)
        {
            string key = k as string ?? throw new CheckpointException(_path, $"storage key {PickleFormat.Describe(k)} is not a str");
            if (!types.TryGetValue(key, out var r))
                throw new CheckpointException(_path, $"storage '{key}' is listed but no tensor refers to it (corrupt file?)");
            _file.Position = position;
            if (_file.ReadAtLeast(count, 8, throwOnEndOfStream: false) < 8)
                throw new CheckpointException(_path, $"file ends before storage '{key}' (truncated file?)");
            long numel = _bigEndian ? BinaryPrimitives.ReadInt64BigEndian(count) : BinaryPrimitives.ReadInt64LittleEndian(count);
            int size = r.DType is { } dt ? TensorDTypes.ElementSize(dt) : 1;
            if (numel < 0 || numel > (_file.Length - position - 8) / size)
                throw new CheckpointException(_path, $"storage '{key}' claims {numel} elements, more than the file holds (truncated file?)");
            _stored[key] = new StoredStorage(position + 8, numel, r.DType, r.TypeName);
            position += 8 + numel * size;
        }
    }

    public Tensor Load(StorageRef storage, string tensorName)
    {
        string rootKey = storage.ViewOf ?? storage.Key;
        if (!_stored.TryGetValue(rootKey, out var s))
            throw new CheckpointException(_path, $"storage '{rootKey}' for tensor '{tensorName}' is missing from the file");
        var dtype = s.DType ?? throw new CheckpointException(_path, $"tensor '{tensorName}': unsupported storage type {s.TypeName}");
        if (!_roots.TryGetValue(rootKey, out var root))
        {
            _file.Position = s.DataOffset;
            root = StorageReading.ReadFlat(_file, dtype, s.NumElements, _bigEndian)
                   ?? throw new CheckpointException(_path, $"storage '{rootKey}' ends early (truncated file?)");
            _roots[rootKey] = root.DetachFromDisposeScope(); // cached beyond the caller's dispose scope
        }
        if (storage.ViewOf is null)
        {
            if (storage.NumElements > s.NumElements)
                throw new CheckpointException(_path, $"tensor '{tensorName}' expects {storage.NumElements} elements in storage '{rootKey}', which holds {s.NumElements}");
            return root.alias();
        }
        if (storage.ViewOffset < 0 || storage.ViewOffset + storage.NumElements > s.NumElements)
            throw new CheckpointException(_path, $"storage view '{storage.Key}' of '{rootKey}' lies outside it");
        return root.narrow(0, storage.ViewOffset, storage.NumElements).clone(); // views of one root never alias
    }

    public void Dispose()
    {
        foreach (var t in _roots.Values) t.Dispose();
        _roots.Clear();
    }
}
