namespace MambaIR.Text.Synthetic;

/// <summary>
/// Finds TrueType/OpenType fonts for the synthetic generator. The default is the DejaVu fonts bundled in the repository
/// under <c>assets/fonts</c> (so generated data does not depend on the machine's fonts), found from
/// <c>MAMBAIR_FONTS_DIR</c> or by walking up from the application folder.
/// </summary>
public static class FontLocator
{
    static readonly string[] Extensions = [".ttf", ".otf"];

    /// <summary>The bundled fonts, sorted by file name. Throws naming the places searched when none is found.</summary>
    public static IReadOnlyList<string> Bundled()
    {
        var searched = new List<string>();
        if (Environment.GetEnvironmentVariable("MAMBAIR_FONTS_DIR") is { Length: > 0 } env)
        {
            var f = InFolder(env);
            if (f.Count > 0) return f;
            searched.Add(env);
        }
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string dir = Path.Combine(d.FullName, "assets", "fonts");
            if (Directory.Exists(dir))
            {
                var f = InFolder(dir);
                if (f.Count > 0) return f;
                searched.Add(dir);
            }
        }
        throw new FileNotFoundException("no bundled fonts found: set MAMBAIR_FONTS_DIR or give a fonts folder (searched: MAMBAIR_FONTS_DIR, " +
            $"assets/fonts above {AppContext.BaseDirectory}{(searched.Count > 0 ? "; empty: " + string.Join(", ", searched) : "")})");
    }

    /// <summary>All .ttf/.otf files in <paramref name="folder"/> and its sub-folders, sorted by path (ordinal).</summary>
    public static IReadOnlyList<string> InFolder(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"font folder not found: {folder}");
        return Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .OrderBy(f => f, StringComparer.Ordinal).ToArray();
    }
}
