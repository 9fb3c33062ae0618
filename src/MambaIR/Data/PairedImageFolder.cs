using MambaIR.Imaging;

namespace MambaIR.Data;

/// <summary>One HR/LR pair: the HR (ground-truth) and LR (low-quality) paths and the HR stem used as its name.</summary>
public sealed record ImagePair(string Name, string HrPath, string LrPath);

/// <summary>
/// Pairs an HR folder with an LR folder as BasicSR's <c>paired_paths_from_folder</c>: for each HR file
/// <c>{stem}{ext}</c> the LR file is <c>filename_tmpl.format(stem) + ext</c> in the LR folder (templates like
/// <c>{}</c>, <c>{}x2</c>, <c>{}_LRBI_x4</c>), or another <see cref="LrFileNaming"/>. Unlike BasicSR (OS order, first
/// failure) the pairs are sorted by HR name and every problem is collected: HR files without an LR file, LR files no HR
/// maps to, and (with a scale) LR sizes that do not fit the HR size. HR and LR may share a folder (with an HR filter
/// such as "has the token HR"); the HR files are then not LR candidates.
/// </summary>
public sealed class PairedImageFolder
{
    /// <summary>Matched pairs, sorted by HR file name.</summary>
    public IReadOnlyList<ImagePair> Pairs { get; }
    /// <summary>HR files whose LR counterpart is missing, with the LR name that was expected (null when the naming
    /// rule does not apply to the HR name).</summary>
    public IReadOnlyList<(string HrPath, string? ExpectedLrName)> MissingLr { get; }
    /// <summary>LR files that no HR file maps to.</summary>
    public IReadOnlyList<string> UnmatchedLr { get; }
    /// <summary>The HR (ground-truth) folder.</summary>
    public string HrFolder { get; }
    /// <summary>The LR folder.</summary>
    public string LrFolder { get; }
    /// <summary>How LR names follow from HR names.</summary>
    public LrFileNaming Naming { get; }

    /// <summary>Pairs with a BasicSR <c>filename_tmpl</c>; throws <see cref="ArgumentException"/> if it has no <c>{}</c>.</summary>
    public PairedImageFolder(string hrFolder, string lrFolder, string filenameTemplate = "{}")
        : this(hrFolder, lrFolder, LrFileNaming.Template(filenameTemplate)) { }

    /// <summary>Pairs with any naming rule; <paramref name="isHrFile"/> picks the HR files of the HR folder (default: all).</summary>
    public PairedImageFolder(string hrFolder, string lrFolder, LrFileNaming naming, Func<string, bool>? isHrFile = null)
    {
        HrFolder = hrFolder; LrFolder = lrFolder; Naming = naming;
        var hr = ImageFolder.List(hrFolder).Where(isHrFile ?? (_ => true)).ToList();
        bool shared = Path.GetFullPath(hrFolder) == Path.GetFullPath(lrFolder);
        var hrNames = hr.Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        var lr = ImageFolder.List(lrFolder).Where(p => !shared || !hrNames.Contains(Path.GetFileName(p)))
            .ToDictionary(p => Path.GetFileName(p), StringComparer.Ordinal);
        var pairs = new List<ImagePair>();
        var missing = new List<(string, string?)>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var h in hr)
        {
            string? lrName = naming.LrName(h);
            if (lrName != null && lr.TryGetValue(lrName, out var l)) { pairs.Add(new ImagePair(Path.GetFileNameWithoutExtension(h), h, l)); used.Add(lrName); }
            else missing.Add((h, lrName));
        }
        Pairs = pairs; MissingLr = missing;
        UnmatchedLr = lr.Keys.Where(k => !used.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).Select(k => lr[k]).ToList();
    }

    /// <summary>The LR file name for an HR file name (null when the naming rule does not apply to it).</summary>
    public string? LrName(string hrFileName) => Naming.LrName(hrFileName);

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
            if (!SizesFit(hw, hh, lw, lh, scale)) problems.Add($"{p.Name}: HR {hw}x{hh} does not match LR {lw}x{lh} at x{scale} (expected HR {lw * scale}x{lh * scale}, or up to {scale - 1} px larger)");
        }
        return problems;
    }

    /// <summary>
    /// BasicSR's size rule for a pair at <paramref name="scale"/>: the HR, mod-cropped to a multiple of the scale, is
    /// exactly LR × scale (so the HR is cropped top-left to LR × scale; it may be up to scale − 1 px larger per side).
    /// </summary>
    public static bool SizesFit(int hrWidth, int hrHeight, int lrWidth, int lrHeight, int scale) =>
        hrWidth - hrWidth % scale == lrWidth * scale && hrHeight - hrHeight % scale == lrHeight * scale;

    /// <summary>All problems as readable lines (missing LR, unmatched LR, and size mismatches when a scale is given).</summary>
    public IReadOnlyList<string> Problems(int? scale = null)
    {
        var list = MissingLr.Select(m => m.ExpectedLrName == null
            ? $"{Path.GetFileName(m.HrPath)}: no LR name ({Naming} does not apply to it)"
            : $"{Path.GetFileName(m.HrPath)}: no LR file '{m.ExpectedLrName}' in {LrFolder}").ToList();
        list.AddRange(UnmatchedLr.Select(u => $"{Path.GetFileName(u)}: LR file matches no HR file in {HrFolder} (LR names {Naming})"));
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
