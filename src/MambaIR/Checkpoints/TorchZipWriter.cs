using System.Security.Cryptography;
using System.Text;
using MambaIR.Checkpoints.Pickle;
using MambaIR.Checkpoints.Zip;
using MambaIR.IO;
using static TorchSharp.torch;

namespace MambaIR.Checkpoints;

/// <summary>
/// Writes a state dict in PyTorch's zip format as <c>torch.save</c> (torch 2.x) does, so that <c>torch.load</c>
/// reads it: <c>NAME/data.pkl</c> (pickle protocol 2: <c>{wrapKey: OrderedDict(name → _rebuild_tensor_v2(...))}</c>),
/// <c>.format_version</c>, <c>.storage_alignment</c>, <c>byteorder</c>, one 64-byte-aligned record
/// <c>data/N</c> per tensor, <c>version</c> (3) and <c>.data/serialization_id</c>.
/// </summary>
internal static class TorchZipWriter
{
    const int SetItemsBatch = 1000; // CPython's batch size

    public static void Save(IReadOnlyList<KeyValuePair<string, Tensor>> tensors, string path, string? wrapKey)
    {
        var p = new PickleWriter();
        var storages = new List<Tensor>();
        if (wrapKey != null)
        {
            p.EmptyDict();
            p.String(wrapKey);
        }
        WriteOrderedDict(p, tensors, storages, path);
        if (wrapKey != null) p.SetItem();
        WriteArchive(path, p.Finish(), storages);
    }

    /// <summary>Writes <c>{key1: OrderedDict(...), key2: OrderedDict(...)}</c> (BasicSR's <c>{'params': ..., 'params_ema': ...}</c>).</summary>
    public static void SaveGroups(IReadOnlyList<(string Key, IReadOnlyList<KeyValuePair<string, Tensor>> Tensors)> groups, string path)
    {
        if (groups.Count == 0) throw new ArgumentException("nothing to save", nameof(groups));
        var p = new PickleWriter();
        var storages = new List<Tensor>();
        p.EmptyDict();
        if (groups.Count > 1) p.Mark();
        foreach (var (key, tensors) in groups)
        {
            p.String(key);
            WriteOrderedDict(p, tensors, storages, path);
        }
        if (groups.Count > 1) p.SetItems(); else p.SetItem();
        WriteArchive(path, p.Finish(), storages);
    }

    /// <summary>Writes a torch zip archive around a finished <paramref name="pickle"/> whose persistent ids name
    /// <paramref name="storages"/> by index.</summary>
    internal static void WriteArchive(string path, byte[] pickle, IReadOnlyList<Tensor> storages, long zip64Threshold = uint.MaxValue)
    {
        string archive = ArchiveName(path);
        AtomicFile.Write(path, stream =>
        {
            using var zip = new AlignedZipWriter(stream, zip64Threshold);
            zip.Add(archive + "/data.pkl", pickle);
            zip.Add(archive + "/.format_version", "1"u8);
            zip.Add(archive + "/.storage_alignment", "64"u8);
            zip.Add(archive + "/byteorder", "little"u8);
            for (int i = 0; i < storages.Count; i++)
            {
                var c = TensorBytes.ContiguousCpu(storages[i]);
                try { zip.Add($"{archive}/data/{i}", c.numel() == 0 ? ReadOnlySpan<byte>.Empty : c.bytes); }
                finally { if (!ReferenceEquals(c, storages[i])) c.Dispose(); }
            }
            zip.Add(archive + "/version", "3\n"u8);
            zip.Add(archive + "/.data/serialization_id", Encoding.ASCII.GetBytes(SerializationId()));
            zip.Finish();
        });
    }

    /// <summary>Pickles <c>OrderedDict(name → tensor)</c> as torch does, appending each tensor to
    /// <paramref name="storages"/> (its storage key is its index there).</summary>
    internal static void WriteOrderedDict(PickleWriter p, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, List<Tensor> storages, string path)
    {
        foreach (var (name, t) in tensors)
            if (!TensorDTypes.IsSupported(t.dtype))
                throw new CheckpointException(path, $"tensor '{name}' has dtype {t.dtype}, which cannot be written to a .pth file");
        p.Global("collections", "OrderedDict");
        p.EmptyTuple();
        p.Reduce();
        for (int start = 0; start < tensors.Count; start += SetItemsBatch)
        {
            int n = Math.Min(SetItemsBatch, tensors.Count - start);
            if (n > 1) p.Mark();
            for (int i = start; i < start + n; i++)
            {
                p.String(tensors[i].Key);
                WriteTensor(p, tensors[i].Value, storages.Count);
                storages.Add(tensors[i].Value);
            }
            if (n > 1) p.SetItems(); else p.SetItem();
        }
    }

    static void WriteTensor(PickleWriter p, Tensor t, int storageKey)
    {
        long[] size = t.shape;
        long[] stride = new long[size.Length];
        long acc = 1;
        for (int d = size.Length - 1; d >= 0; d--) { stride[d] = acc; acc *= size[d]; }

        p.Global("torch._utils", "_rebuild_tensor_v2");
        p.Mark();
        // persistent id ('storage', storage_type, key, location, numel)
        p.Mark();
        p.String("storage");
        p.Global("torch", TensorDTypes.StorageName(t.dtype));
        p.String(storageKey.ToString(System.Globalization.CultureInfo.InvariantCulture));
        p.String("cpu");
        p.Int(t.numel());
        p.Tuple(5);
        p.BinPersId();
        p.Int(0); // storage_offset
        Ints(p, size);
        Ints(p, stride);
        p.Bool(false); // requires_grad
        p.Global("collections", "OrderedDict"); // backward_hooks
        p.EmptyTuple();
        p.Reduce();
        p.Tuple(6);
        p.Reduce();
    }

    static void Ints(PickleWriter p, long[] values)
    {
        if (PickleWriter.TupleNeedsMark(values.Length)) p.Mark();
        foreach (var v in values) p.Int(v);
        p.Tuple(values.Length);
    }

    /// <summary>The archive folder torch uses: the file name without its last extension.</summary>
    static string ArchiveName(string path)
    {
        string stem = Path.GetFileNameWithoutExtension(path);
        return stem.Length > 0 && stem.All(c => c < 128 && c != '/' && c != '\\') ? stem : "archive";
    }

    /// <summary>40 random decimal digits, like torch's serialization id.</summary>
    static string SerializationId()
    {
        var sb = new StringBuilder(40);
        for (int i = 0; i < 40; i++) sb.Append((char)('0' + RandomNumberGenerator.GetInt32(10)));
        return sb.ToString();
    }
}
