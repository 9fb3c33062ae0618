using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using MambaIR.IO;
using static TorchSharp.torch;

namespace MambaIR.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of JSON
/// <c>{"__metadata__": {str: str}, NAME: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}}</c>
/// (padded with spaces to a multiple of 8), then the raw little-endian tensor data.
/// </summary>
public static class SafeTensors
{
    const long MaxHeaderBytes = 100_000_000; // the reference implementation's limit

    sealed record Entry(string Name, ScalarType DType, long[] Shape, long Begin, long End);

    /// <summary>Reads every tensor, in header order.</summary>
    /// <exception cref="CheckpointException">The file is not valid safetensors; the message names the file and the problem.</exception>
    public static StateDict Read(string path)
    {
        using var f = OpenFile(path);
        var (entries, _, dataStart) = ReadHeader(path, f);
        var sd = new StateDict(path);
        try
        {
            foreach (var e in entries)
            {
                f.Position = dataStart + e.Begin;
                long numel = e.Shape.Aggregate(1L, (a, b) => a * b);
                var flat = StorageReading.ReadFlat(f, e.DType, numel, bigEndian: !BitConverter.IsLittleEndian)
                           ?? throw new CheckpointException(path, $"tensor '{e.Name}': data ends early (truncated file?)");
                using (flat) sd.Add(e.Name, flat.reshape(e.Shape));
            }
            return sd;
        }
        catch
        {
            sd.Dispose();
            throw;
        }
    }

    /// <summary>The <c>__metadata__</c> map of the header (empty when there is none).</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var f = OpenFile(path);
        return ReadHeader(path, f).Metadata;
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (any device, any layout; copied to contiguous CPU memory) with optional
    /// string <paramref name="metadata"/>. The header lists tensors in the given order; their data is laid out by
    /// decreasing element size so that every tensor is aligned to its element size, as the reference writer does.
    /// The file is written to a temporary name and moved into place.
    /// </summary>
    public static void Write(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var items = tensors.ToList();
        foreach (var (name, t) in items)
            if (!TensorDTypes.IsSupported(t.dtype))
                throw new CheckpointException(path, $"tensor '{name}' has dtype {t.dtype}, which safetensors output does not support");
        var layout = items.Select((kv, i) => (kv, i)).OrderByDescending(x => TensorDTypes.ElementSize(x.kv.Value.dtype)).ThenBy(x => x.i).ToList();
        var offsets = new Dictionary<string, (long Begin, long End)>();
        long cursor = 0;
        foreach (var (kv, _) in layout)
        {
            long nbytes = kv.Value.numel() * TensorDTypes.ElementSize(kv.Value.dtype);
            offsets[kv.Key] = (cursor, cursor + nbytes);
            cursor += nbytes;
        }
        byte[] header = BuildHeader(items, offsets, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
            stream.Write(len);
            stream.Write(header);
            foreach (var (kv, _) in layout) TensorBytes.Write(stream, kv.Value);
        });
    }

    static byte[] BuildHeader(List<KeyValuePair<string, Tensor>> items, Dictionary<string, (long Begin, long End)> offsets,
                              IReadOnlyDictionary<string, string>? metadata)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            foreach (var (name, t) in items)
            {
                w.WriteStartObject(name);
                w.WriteString("dtype", TensorDTypes.SafeTensorsName(t.dtype));
                w.WriteStartArray("shape");
                foreach (var d in t.shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offsets[name].Begin);
                w.WriteNumberValue(offsets[name].End);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        int padded = (int)((ms.Length + 7) / 8 * 8);
        while (ms.Length < padded) ms.WriteByte((byte)' ');
        return ms.ToArray();
    }

    static FileStream OpenFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file not found: {path}", path);
        return File.OpenRead(path);
    }

    static (List<Entry> Entries, Dictionary<string, string> Metadata, long DataStart) ReadHeader(string path, FileStream f)
    {
        CheckpointException Bad(string why) => new(path, "invalid safetensors file: " + why);
        if (f.Length < 8) throw Bad($"only {f.Length} bytes, shorter than the 8-byte header length");
        Span<byte> len = stackalloc byte[8];
        f.ReadExactly(len);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (n > (ulong)(f.Length - 8)) throw Bad($"header length {n} exceeds the file size {f.Length} (truncated, or not safetensors)");
        if (n > MaxHeaderBytes) throw Bad($"header length {n} exceeds the limit of {MaxHeaderBytes} bytes");
        var header = new byte[n];
        f.ReadExactly(header);
        long dataStart = 8 + (long)n;
        long dataLength = f.Length - dataStart;

        JsonDocument doc;
        try { doc = JsonDocument.Parse(header); }
        catch (JsonException e) { throw Bad($"header is not valid JSON ({e.Message})"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad("header is not a JSON object");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                {
                    if (p.Value.ValueKind != JsonValueKind.Object) throw Bad("__metadata__ is not an object");
                    foreach (var m in p.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : throw Bad($"__metadata__ value '{m.Name}' is not a string");
                    continue;
                }
                entries.Add(ParseEntry(p, dataLength, Bad));
            }
            var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
            for (int i = 1; i < sorted.Count; i++)
                if (sorted[i].Begin < sorted[i - 1].End)
                    throw Bad($"data of tensors '{sorted[i - 1].Name}' and '{sorted[i].Name}' overlap");
            return (entries, metadata, dataStart);
        }
    }

    static Entry ParseEntry(JsonProperty p, long dataLength, Func<string, CheckpointException> bad)
    {
        string name = p.Name;
        var v = p.Value;
        if (v.ValueKind != JsonValueKind.Object) throw bad($"entry '{name}' is not an object");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String) throw bad($"tensor '{name}' has no dtype");
        string code = dt.GetString()!;
        var dtype = TensorDTypes.FromSafeTensors(code)
                    ?? throw bad($"tensor '{name}' has unsupported dtype '{code}' (supported: {TensorDTypes.SupportedSafeTensors})");
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array) throw bad($"tensor '{name}' has no shape");
        var shape = sh.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out long x) && x >= 0 ? x
            : throw bad($"tensor '{name}' has an invalid shape {sh.GetRawText()}")).ToArray();
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw bad($"tensor '{name}' has no data_offsets [begin, end]");
        long begin = off[0].TryGetInt64(out long b) ? b : -1, end = off[1].TryGetInt64(out long e) ? e : -1;
        if (begin < 0 || end < begin) throw bad($"tensor '{name}' has invalid data_offsets {off.GetRawText()}");
        if (end > dataLength) throw bad($"tensor '{name}' data_offsets {off.GetRawText()} run past the end of the data ({dataLength} bytes; truncated file?)");
        long expected;
        try { expected = checked(shape.Aggregate(1L, (a, d) => a * d) * TensorDTypes.ElementSize(dtype)); }
        catch (OverflowException) { throw bad($"tensor '{name}' shape {sh.GetRawText()} is too large"); }
        if (end - begin != expected)
            throw bad($"tensor '{name}' ({code} {sh.GetRawText()}) needs {expected} bytes but data_offsets {off.GetRawText()} give {end - begin}");
        return new Entry(name, dtype, shape, begin, end);
    }
}
