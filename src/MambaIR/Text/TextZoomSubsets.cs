namespace MambaIR.Text;

/// <summary>
/// Resolves <c>--data</c> arguments to TextZoom LMDB folders: a folder with <c>data.mdb</c> is one subset; a folder
/// whose sub-folders are LMDBs (e.g. TextZoom's <c>test/</c>) gives each of them, <c>easy</c>, <c>medium</c>,
/// <c>hard</c> first, then the others by name.
/// </summary>
public static class TextZoomSubsets
{
    static readonly string[] Order = ["easy", "medium", "hard"];

    /// <summary>The LMDB folders for <paramref name="paths"/>, in order; throws naming a path that holds none.</summary>
    public static IReadOnlyList<string> Resolve(IEnumerable<string> paths)
    {
        var result = new List<string>();
        foreach (var p in paths)
        {
            if (IsLmdb(p)) { result.Add(p); continue; }
            if (!Directory.Exists(p)) throw new DirectoryNotFoundException($"TextZoom data {p}: no such folder");
            var subs = Directory.GetDirectories(p).Where(IsLmdb)
                .OrderBy(d => Array.IndexOf(Order, Path.GetFileName(d)) is int i && i >= 0 ? i : Order.Length)
                .ThenBy(d => Path.GetFileName(d), StringComparer.Ordinal).ToArray();
            if (subs.Length == 0) throw new InvalidDataException($"TextZoom data {p}: neither an LMDB (data.mdb) nor a folder of LMDBs");
            result.AddRange(subs);
        }
        return result;
    }

    static bool IsLmdb(string dir) => File.Exists(Path.Combine(dir, "data.mdb"));
}
