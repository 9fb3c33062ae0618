using System.Globalization;
using System.Text;
using MambaIR.Data.Lmdb;

namespace MambaIR.Text;

/// <summary>
/// Read access to one TextZoom LMDB (a folder with <c>data.mdb</c>, e.g. <c>train1</c> or <c>test/easy</c>) in the LMDB 0.9
/// format written by py-lmdb, through the managed <see cref="LmdbReader"/> (no native library, no lock file, like the
/// Python loaders' <c>lmdb.open(readonly=True, lock=False)</c>). Thread-safe for concurrent <see cref="Read"/> calls.
/// </summary>
public sealed class TextZoomLmdb : IDisposable
{
    readonly LmdbReader _db;

    /// <summary>The LMDB folder.</summary>
    public string Path { get; }

    /// <summary>Value of <c>num-samples</c>.</summary>
    public int Count { get; }

    /// <summary>Opens <paramref name="path"/>; throws <see cref="InvalidDataException"/> naming the folder if it is not a TextZoom LMDB.</summary>
    public TextZoomLmdb(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(System.IO.Path.Combine(Path, "data.mdb")))
            throw new FileNotFoundException($"{Path}: not an LMDB folder (no data.mdb)", System.IO.Path.Combine(Path, "data.mdb"));
        _db = new LmdbReader(Path);
        try
        {
            string n = Get(TextZoomKeys.NumSamples) is { } b ? Encoding.ASCII.GetString(b)
                : throw new InvalidDataException($"{Path}: key '{TextZoomKeys.NumSamples}' missing (not a TextZoom LMDB)");
            if (!int.TryParse(n.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int count))
                throw new InvalidDataException($"{Path}: '{TextZoomKeys.NumSamples}' is '{n}', not a count");
            Count = count;
        }
        catch { _db.Dispose(); throw; }
    }

    /// <summary>Raw value of <paramref name="key"/>, or null if absent.</summary>
    public byte[]? Get(string key) => _db.TryGet(Encoding.ASCII.GetBytes(key));

    /// <summary>
    /// Sample <paramref name="index"/> (1-based). Throws <see cref="InvalidDataException"/> naming the LMDB and the key when
    /// a label or image is missing. An HR-only <c>image-%09d</c> key is accepted for both images, as the loaders do.
    /// </summary>
    public TextZoomRecord Read(int index)
    {
        if (index < 1 || index > Count) throw new ArgumentOutOfRangeException(nameof(index), $"{Path}: sample {index} outside 1..{Count}");
        string labelKey = TextZoomKeys.Label(index);
        byte[] label = Get(labelKey) ?? throw Missing(labelKey);
        byte[]? hr = Get(TextZoomKeys.HighRes(index));
        byte[]? lr = Get(TextZoomKeys.LowRes(index));
        if (hr == null || lr == null)
        {
            byte[]? single = Get(TextZoomKeys.Image(index));
            hr ??= single ?? throw Missing(TextZoomKeys.HighRes(index));
            lr ??= single ?? throw Missing(TextZoomKeys.LowRes(index));
        }
        return new TextZoomRecord(index, Encoding.UTF8.GetString(label), hr, lr);
    }

    InvalidDataException Missing(string key) => new($"{Path}: key '{key}' missing");

    /// <summary>Closes the data file.</summary>
    public void Dispose() => _db.Dispose();
}
