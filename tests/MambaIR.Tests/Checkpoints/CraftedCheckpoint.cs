using MambaIR.Checkpoints;
using MambaIR.Checkpoints.Pickle;
using static TorchSharp.torch;

namespace MambaIR.Tests.Checkpoints;

/// <summary>Builds unusual torch zip checkpoints opcode by opcode (views, shared storages, odd globals).</summary>
sealed class CraftedCheckpoint
{
    public PickleWriter P { get; } = new();
    public List<Tensor> Storages { get; } = new();

    /// <summary>Adds a flat storage and returns its key.</summary>
    public int Storage(Tensor flat) { Storages.Add(flat); return Storages.Count - 1; }

    /// <summary>Pickles <c>_rebuild_tensor_v2(('storage', torch.TYPE, key, 'cpu', numel), offset, size, stride, False, OrderedDict())</c>.</summary>
    public void Tensor(string storageType, int key, long numel, long offset, long[] size, long[] stride)
    {
        P.Global("torch._utils", "_rebuild_tensor_v2");
        P.Mark();
        P.Mark();
        P.String("storage");
        P.Global("torch", storageType);
        P.String(key.ToString());
        P.String("cpu");
        P.Int(numel);
        P.Tuple(5);
        P.BinPersId();
        P.Int(offset);
        Ints(size);
        Ints(stride);
        P.Bool(false);
        P.Global("collections", "OrderedDict");
        P.EmptyTuple();
        P.Reduce();
        P.Tuple(6);
        P.Reduce();
    }

    public void Ints(long[] v)
    {
        if (PickleWriter.TupleNeedsMark(v.Length)) P.Mark();
        foreach (var x in v) P.Int(x);
        P.Tuple(v.Length);
    }

    /// <summary>Pickles an OrderedDict of the given tensors, storing each as its own storage.</summary>
    public void StateDict(IReadOnlyList<KeyValuePair<string, Tensor>> tensors) =>
        TorchZipWriter.WriteOrderedDict(P, tensors, Storages, "crafted");

    /// <summary>Writes the archive; <paramref name="omitStorages"/> leaves those records out.</summary>
    public void Save(string path, params int[] omitStorages)
    {
        byte[] pkl = P.Finish();
        if (omitStorages.Length == 0) { TorchZipWriter.WriteArchive(path, pkl, Storages); return; }
        // Write all, then rebuild the zip without the omitted records.
        TorchZipWriter.WriteArchive(path, pkl, Storages);
        string tmp = path + ".full";
        File.Move(path, tmp);
        using (var src = System.IO.Compression.ZipFile.OpenRead(tmp))
        using (var dst = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
            foreach (var e in src.Entries)
            {
                if (omitStorages.Any(k => e.FullName.EndsWith($"/data/{k}", StringComparison.Ordinal))) continue;
                using var i = e.Open();
                using var o = dst.CreateEntry(e.FullName, System.IO.Compression.CompressionLevel.NoCompression).Open();
                i.CopyTo(o);
            }
        File.Delete(tmp);
    }
}
