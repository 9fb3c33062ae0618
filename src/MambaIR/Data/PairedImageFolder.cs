using MambaIR.Imaging;

namespace MambaIR.Data;

/// <summary>One HR/LR pair: the HR (ground-truth) and LR (low-quality) paths and the HR stem used as its name.</summary>
public sealed record ImagePair(string Name, string HrPath, string LrPath);

/// <summary>
/// Pairs an HR folder with an LR folder as BasicSR's <c>paired_paths_from_folder</c>: for each HR file
/// <c>{stem}{ext}</c> the LR file is <c>filename_tmpl.format(stem) + ext</c> in the LR folder (templates like
/// <c>{}</c>, <c>{}x2</c>, <c>{}_LRBI_x4</c>). Unlike BasicSR (OS order, first failure) the pairs are sorted by HR
/// name and every problem is collected: HR files without an LR file, LR files no HR maps to, and (with a scale)
/// LR sizes that do not fit the HR size.
/// </summary>
public sealed class PairedImageFolder
{
    /// <summary>Matched pairs, sorted by HR file name.</summary>
    public IReadOnlyList<ImagePair> Pairs { get; }
    /// <summary>HR files whose LR counterpart is missing, with the LR name that was expected.</summary>
    public IReadOnlyList<(string HrPath, string ExpectedLrName)> MissingLr { get; }
    /// <summary>LR files that no HR file maps to.</summary>
    public IReadOnlyList<string> UnmatchedLr { get; }
    public string HrFolder { get; }
    public string LrFolder { get; }
    public string FilenameTemplate { get; }

    public PairedImageFolder(string hrFolder, string lrFolder, string filenameTemplate = "{}")
    {
        if (!filenameTemplate.Contains("{}")) throw new ArgumentException($"filename template '{filenameTemplate}' must contain '{{}}' (BasicSR filename_tmpl)");
        HrFolder = hrFolder; LrFolder = lrFolder; FilenameTemplate = filenameTemplate;
        var hr = ImageFolder.List(hrFolder);
        var lr = ImageFolder.List(lrFolder).ToDictionary(p => Path.GetFileName(p), StringComparer.Ordinal);
        var pairs = new List<ImagePair>();
        var missing = new List<(string, string)>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var h in hr)
        {
            string stem = Path.GetFileNameWithoutExtension(h);
            string lrName = LrName(Path.GetFileName(h));
            if (lr.TryGetValue(lrName, out var l)) { pairs.Add(new ImagePair(stem, h, l)); used.Add(lrName); }
            else missing.Add((h, lrName));
        }
        Pairs = pairs; MissingLr = missing;
        UnmatchedLr = lr.Keys.Where(k => !used.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).Select(k => lr[k]).ToList();
    }

    /// <summary>The LR file name for an HR file name: template applied to the stem, HR extension kept.</summary>
    public string LrName(string hrFileName) =>
        FilenameTemplate.Replace("{}", Path.GetFileNameWithoutExtension(hrFileName)) + Path.GetExtension(hrFileName);

    /// <summary>
    /// Pairs whose sizes do not fit <paramref name="scale"/>: BasicSR crops the HR to <c>LR size × scale</c> from the
    /// top-left, so an HR smaller than that (in either dimension) is an error; HR larger by less than one scale step
    /// is the usual un-mod-cropped case and accepted. Reads only file headers.
    /// </summary>
    public IReadOnlyList<string> SizeMismatches(int scale)
    {
        var problems = new List<string>();
        foreach (var p in Pairs)
        {
            var (hw, hh) = ImageFile.ReadSize(p.HrPath);
            var (lw, lh) = ImageFile.ReadSize(p.LrPath);
            bool fits = hw >= lw * scale && hh >= lh * scale && hw - lw * scale < scale && hh - lh * scale < scale;
            if (!fits) problems.Add($"{p.Name}: HR {hw}x{hh} does not match LR {lw}x{lh} at x{scale} (expected HR {lw * scale}x{lh * scale}, or up to {scale - 1} px larger)");
        }
        return problems;
    }

    /// <summary>All problems as readable lines (missing LR, unmatched LR, and size mismatches when a scale is given).</summary>
    public IReadOnlyList<string> Problems(int? scale = null)
    {
        var list = MissingLr.Select(m => $"{Path.GetFileName(m.HrPath)}: no LR file '{m.ExpectedLrName}' in {LrFolder}").ToList();
        list.AddRange(UnmatchedLr.Select(u => $"{Path.GetFileName(u)}: LR file matches no HR file in {HrFolder} (template '{FilenameTemplate}')"));
        if (scale is { } s) list.AddRange(SizeMismatches(s));
        return list;
    }

    /// <summary>Throws <see cref="InvalidDataException"/> listing every problem, if there is any.</summary>
    public PairedImageFolder EnsureValid(int? scale = null)
    {
        var p = Problems(scale);
        if (p.Count > 0)
            throw new InvalidDataException($"HR {HrFolder} and LR {LrFolder} do not pair up ({p.Count} problem(s)):\n  " + string.Join("\n  ", p));
        return this;
    }
}
