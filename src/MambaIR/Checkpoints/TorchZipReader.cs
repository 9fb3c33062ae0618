using System.IO.Compression;
using System.IO.Hashing;
using MambaIR.Checkpoints.Pickle;
using static TorchSharp.torch;

namespace MambaIR.Checkpoints;

/// <summary>
/// Reads PyTorch's zip checkpoint format (torch ≥ 1.6): <c>PREFIX/data.pkl</c> (the pickled object, tensors as
/// persistent ids) plus one record <c>PREFIX/data/KEY</c> per storage, <c>PREFIX/byteorder</c> and
/// <c>PREFIX/version</c>. The prefix (archive name) is whatever folder holds data.pkl.
/// </summary>
internal sealed class TorchZipReader : IStorageSource, IDisposable
{
    readonly string _path;
    readonly ZipArchive _zip;
    readonly string _prefix;
    readonly bool _bigEndian;

    TorchZipReader(string path, ZipArchive zip, string prefix, bool bigEndian)
    {
        _path = path;
        _zip = zip;
        _prefix = prefix;
        _bigEndian = bigEndian;
    }

    /// <summary>Opens the archive and unpickles data.pkl. The reader must stay open while tensors are materialised.</summary>
    public static (TorchZipReader Reader, object? Root) Open(string path)
    {
        var stream = File.OpenRead(path);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
            try { _ = zip.Entries.Count; } // the central directory is read lazily: its errors belong here
            catch { zip.Dispose(); throw; }
        }
        catch (InvalidDataException e)
        {
            stream.Dispose();
            throw new CheckpointException(path, $"corrupt or truncated zip archive ({e.Message})", e);
        }
        try
        {
            var pkl = zip.Entries.Where(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal)
                                             && e.FullName.Count(c => c == '/') <= 1)
                          .OrderBy(e => e.FullName.Length).FirstOrDefault()
                      ?? throw new CheckpointException(path,
                          "zip archive has no data.pkl, so it is not a PyTorch checkpoint (entries: "
                          + string.Join(", ", zip.Entries.Take(5).Select(e => e.FullName)) + (zip.Entries.Count > 5 ? ", ..." : "") + ")");
            string prefix = pkl.FullName[..^"data.pkl".Length];
            if (zip.GetEntry(prefix + "constants.pkl") != null)
                throw new CheckpointException(path, "this is a TorchScript archive (torch.jit.save), not a state dict; in Python, " +
                                                    "save the weights with torch.save(model.state_dict(), path) and load that");
            string byteOrder;
            try { byteOrder = ReadText(zip, prefix + "byteorder") ?? "little"; }
            catch (InvalidDataException e) { throw new CheckpointException(path, $"corrupt record {prefix}byteorder ({e.Message})", e); }
            if (byteOrder is not ("little" or "big"))
                throw new CheckpointException(path, $"unknown byteorder '{byteOrder}'");
            var reader = new TorchZipReader(path, zip, prefix, byteOrder == "big");
            object? root;
            using (var ms = new MemoryStream())
            {
                try
                {
                    using (var s = pkl.Open()) s.CopyTo(ms);
                    if (pkl.Crc32 != 0 && Crc32.HashToUInt32(ms.GetBuffer().AsSpan(0, (int)ms.Length)) != pkl.Crc32)
                        throw new InvalidDataException("CRC-32 mismatch");
                }
                catch (InvalidDataException e) { throw new CheckpointException(path, $"corrupt record {pkl.FullName} ({e.Message})", e); }
                ms.Position = 0;
                try { root = new TorchPickleReader(ms).Load(); }
                catch (PickleException e) { throw new CheckpointException(path, $"cannot decode {pkl.FullName}: {e.Message}", e); }
            }
            return (reader, root);
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    static string? ReadText(ZipArchive zip, string name)
    {
        var e = zip.GetEntry(name);
        if (e is null) return null;
        using var r = new StreamReader(e.Open());
        return r.ReadToEnd().Trim();
    }

    public Tensor Load(StorageRef storage, string tensorName)
    {
        string record = _prefix + "data/" + storage.Key;
        var entry = _zip.GetEntry(record)
            ?? throw new CheckpointException(_path, $"storage record '{record}' for tensor '{tensorName}' is missing from the archive");
        var dtype = storage.DType ?? throw new CheckpointException(_path, $"tensor '{tensorName}': unsupported storage type {storage.TypeName}");
        int size = TensorDTypes.ElementSize(dtype);
        if (storage.NumElements < 0)
            throw new CheckpointException(_path, $"tensor '{tensorName}': storage '{storage.Key}' has a negative size");
        if (storage.NumElements > entry.Length / size) // division: a corrupt size must not overflow the check
            throw new CheckpointException(_path, $"storage record '{record}' holds {entry.Length} bytes but tensor '{tensorName}' needs " +
                                                 $"{storage.NumElements * (decimal)size} ({storage.NumElements} x {dtype})");
        long expected = storage.NumElements * size;
        try
        {
            using var s = entry.Open();
            // torch records hold exactly the storage; a recorded CRC of 0 means the writer skipped it
            // (torch.serialization.set_crc32_options(False)).
            uint? crc = entry.Length == expected && entry.Crc32 != 0 ? entry.Crc32 : null;
            return StorageReading.ReadFlat(s, dtype, storage.NumElements, _bigEndian, crc)
                ?? throw new CheckpointException(_path, $"storage record '{record}' ends early (truncated file?)");
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException(_path, $"storage record '{record}' is corrupt ({e.Message})", e);
        }
        catch (IOException e) when (e is not CheckpointException)
        {
            throw new CheckpointException(_path, $"storage record '{record}' cannot be read ({e.Message})", e);
        }
    }

    public void Dispose() => _zip.Dispose();
}
