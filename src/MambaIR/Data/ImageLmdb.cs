using System.Globalization;
using System.Text.RegularExpressions;
using MambaIR.Data.Lmdb;
using MambaIR.Imaging;

namespace MambaIR.Data;

/// <summary>One line of a BasicSR <c>meta_info.txt</c>: <c>{key}.png ({h},{w},{c}) {compress_level}</c>.</summary>
public sealed record ImageLmdbEntry(string Key, int Height, int Width, int Channels, int CompressLevel)
{
    /// <summary>The line as BasicSR writes it.</summary>
    public override string ToString() => $"{Key}.png ({Height},{Width},{Channels}) {CompressLevel}";
}

/// <summary>
/// BasicSR image LMDBs (<c>scripts/data_preparation/create_lmdb.py</c>): folder <c>X.lmdb/</c> with <c>data.mdb</c>
/// (key = image name without extension, value = PNG bytes at <c>compress_level</c>) and <c>meta_info.txt</c>.
/// Keys are written in the given order's sorted form (LMDB requires it; BasicSR passes sorted names);
/// <c>meta_info.txt</c> lists them in the same order.
/// </summary>
public static class ImageLmdb
{
    /// <summary>Name of the meta file inside the LMDB folder.</summary>
    public const string MetaInfoFile = "meta_info.txt";

    static readonly Regex MetaLine = new(@"^(?<key>[^\s]+?)\.png \((?<h>\d+),(?<w>\d+),(?<c>\d+)\) (?<l>\d+)$", RegexOptions.Compiled);

    /// <summary>
    /// Encodes each image file as PNG and writes the LMDB. Keys default to the file names without extension.
    /// <paramref name="progress"/> gets (done, total, key).
    /// </summary>
    public static IReadOnlyList<ImageLmdbEntry> WriteFromFiles(string lmdbPath, IEnumerable<(string Key, string ImagePath)> items,
        int compressLevel = 1, Action<int, int, string>? progress = null, bool overwrite = false)
    {
        var list = items.OrderBy(i => i.Key, StringComparer.Ordinal).ToList();
        return Write(lmdbPath, list.Select(i => (i.Key, (Func<RasterImage>)(() => ImageFile.Read(i.ImagePath)))).ToList(), compressLevel, progress, overwrite);
    }

    /// <summary>Writes images produced on demand (so only one is in memory at a time).</summary>
    public static IReadOnlyList<ImageLmdbEntry> Write(string lmdbPath, IReadOnlyList<(string Key, Func<RasterImage> Load)> items,
        int compressLevel = 1, Action<int, int, string>? progress = null, bool overwrite = false)
    {
        if (!lmdbPath.EndsWith(".lmdb", StringComparison.Ordinal))
            throw new ArgumentException($"BasicSR LMDB folders must end with '.lmdb': {lmdbPath}");
        var sorted = items.OrderBy(i => i.Key, StringComparer.Ordinal).ToList();
        var dup = sorted.Zip(sorted.Skip(1)).FirstOrDefault(p => p.First.Key == p.Second.Key);
        if (dup.First.Key != null) throw new ArgumentException($"duplicate LMDB key '{dup.First.Key}'");
        var entries = new List<ImageLmdbEntry>(sorted.Count);
        using (var w = new LmdbWriter(lmdbPath, overwrite))
        {
            for (int i = 0; i < sorted.Count; i++)
            {
                var (key, load) = sorted[i];
                if (key.Contains(' ') || key.Contains('\n')) throw new ArgumentException($"LMDB key '{key}' contains whitespace, which meta_info.txt cannot represent");
                var img = load();
                w.Add(key, ImageFile.EncodePng(img, compressLevel));
                entries.Add(new ImageLmdbEntry(key, img.Height, img.Width, img.Channels + (img.Alpha != null ? 1 : 0), compressLevel));
                progress?.Invoke(i + 1, sorted.Count, key);
            }
            w.Complete();
        }
        File.WriteAllLines(Path.Combine(lmdbPath, MetaInfoFile), entries.Select(e => e.ToString()));
        return entries;
    }

    /// <summary>Parses <c>meta_info.txt</c>; errors name the file and line.</summary>
    public static IReadOnlyList<ImageLmdbEntry> ReadMetaInfo(string lmdbPath)
    {
        string file = Path.Combine(lmdbPath, MetaInfoFile);
        if (!File.Exists(file)) throw new FileNotFoundException($"{MetaInfoFile} not found in LMDB folder {lmdbPath}", file);
        var list = new List<ImageLmdbEntry>();
        int n = 0;
        foreach (var raw in File.ReadLines(file))
        {
            n++;
            string line = raw.TrimEnd();
            if (line.Length == 0) continue;
            var m = MetaLine.Match(line);
            if (!m.Success) throw new InvalidDataException($"{file}:{n}: expected '{{key}}.png ({{h}},{{w}},{{c}}) {{level}}', got '{line}'");
            int I(string g) => int.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
            list.Add(new ImageLmdbEntry(m.Groups["key"].Value, I("h"), I("w"), I("c"), I("l")));
        }
        return list;
    }
}

/// <summary>Reads images from a BasicSR image LMDB by key (thread-safe).</summary>
public sealed class ImageLmdbReader : IDisposable
{
    readonly LmdbReader _db;

    /// <summary>Entries of <c>meta_info.txt</c>, in file order.</summary>
    public IReadOnlyList<ImageLmdbEntry> Entries { get; }
    /// <summary>The keys (names without extension), in <c>meta_info.txt</c> order.</summary>
    public IReadOnlyList<string> Keys { get; }
    /// <summary>The LMDB folder.</summary>
    public string Path { get; }

    public ImageLmdbReader(string lmdbPath)
    {
        Path = lmdbPath;
        if (!Directory.Exists(lmdbPath)) throw new DirectoryNotFoundException($"LMDB folder not found: {lmdbPath}");
        Entries = ImageLmdb.ReadMetaInfo(lmdbPath);
        Keys = Entries.Select(e => e.Key).ToArray();
        _db = new LmdbReader(lmdbPath);
    }

    /// <summary>The stored (PNG) bytes of <paramref name="key"/>.</summary>
    public byte[] ReadBytes(string key) => _db.Get(key);

    /// <summary>Decodes the image stored under <paramref name="key"/>.</summary>
    public RasterImage Read(string key) => ImageFile.Decode(ReadBytes(key), $"{Path}[{key}]");

    public void Dispose() => _db.Dispose();
}
