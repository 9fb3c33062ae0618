using MambaIR.Data;
using MambaIR.Imaging;

namespace MambaIR.Evaluation;

/// <summary>
/// Finds the ground-truth / low-quality image pairs of a test set on disk. Recognised layouts, for SR at scale s:
/// <list type="bullet">
/// <item>BasicSR benchmark folders: <c>ROOT/HR</c> (or <c>ROOT/HR/x{s}</c>) with <c>ROOT/LR_bicubic/X{s}</c>,
/// <c>ROOT/LRBI/x{s}</c> or <c>ROOT/LR/X{s}</c> (either case of x);</item>
/// <item>SelfExSR-style folders: <c>ROOT/x{s}</c> (or ROOT itself) holding <c>NAME_HR.png</c> beside <c>NAME_LR.png</c>;</item>
/// <item>explicit <c>HR_DIR,LR_DIR</c>;</item>
/// <item>a ground-truth folder only (<c>ROOT/HR/x{s}</c>, <c>ROOT/HR</c>, <c>ROOT/x{s}</c> or ROOT): the LR is then made from the
/// mod-cropped HR with MATLAB bicubic.</item>
/// </list>
/// LR names follow BasicSR's <c>filename_tmpl</c>: <c>tmpl.format(hr_basename) + hr_extension</c>. Unless a template is
/// given, the one that pairs the most files is chosen among <c>{}x{s}</c>, <c>{}_LRBI_x{s}</c> (Manga109), <c>{}</c>, and
/// replacing the <c>HR</c> token of the name by <c>LR</c> or <c>LRBI</c>; the pairing itself is
/// <see cref="PairedImageFolder"/>'s. Ground-truth files without an LR are reported
/// (with the name that was expected) instead of stopping the run. For denoising and JPEG, only ground-truth images are
/// used (<c>ROOT</c>, else <c>ROOT/HR</c>, <c>ROOT/GT</c> or <c>ROOT/original</c>; of a folder of NAME_HR/NAME_LR pairs,
/// the HR files).
/// </summary>
public static class DatasetDiscovery
{
    static readonly HashSet<string> LayoutFolderNames = new(StringComparer.OrdinalIgnoreCase)
        { "HR", "GT", "LR", "LRBI", "LR_bicubic", "original", "x2", "x3", "x4", "x8", "X2", "X3", "X4", "X8" };

    /// <summary>Resolves <paramref name="spec"/> for <paramref name="task"/>; <paramref name="scale"/> is used for SR only.</summary>
    /// <param name="spec">The set as given.</param>
    /// <param name="task">The task (SR looks for LR folders).</param>
    /// <param name="scale">The SR scale.</param>
    /// <param name="filenameTemplate">A BasicSR <c>filename_tmpl</c> (e.g. <c>{}x4</c>) to use instead of guessing.</param>
    public static EvaluationDataset Discover(DatasetSpec spec, RestorationTask task, int scale, string? filenameTemplate = null)
    {
        string root = spec.GroundTruthPath;
        string name = spec.Name ?? NameFromPath(root);
        if (!Directory.Exists(root))
            return Unusable(name, root, $"dataset folder not found: {root}");
        if (spec.InputPath != null && !Directory.Exists(spec.InputPath))
            return Unusable(name, $"{root},{spec.InputPath}", $"low-resolution folder not found: {spec.InputPath}");
        if (filenameTemplate != null && !filenameTemplate.Contains("{}", StringComparison.Ordinal))
            throw new ArgumentException($"LR file-name template '{filenameTemplate}' must contain '{{}}' where the HR name goes (e.g. '{{}}x{scale}')");

        if (task != RestorationTask.SuperResolution)
        {
            string? dir = FirstWithImages(root, Path.Combine(root, "HR"), Path.Combine(root, "GT"), Path.Combine(root, "original"));
            if (dir == null) return Unusable(name, root, $"no images ({string.Join(", ", ImageFile.SupportedExtensions)}) in {root}");
            var files = ListImages(dir).ToList();
            bool pairedFolder = files.Any(f => LrFileNaming.HasToken(f, "HR")) && files.Any(f => LrFileNaming.HasToken(f, "LR"));
            var samples = files.Where(f => !pairedFolder || LrFileNaming.HasToken(f, "HR"))
                .Select(f => new EvaluationSample(Path.GetFileNameWithoutExtension(f), f, null)).ToList();
            return new EvaluationDataset(name, dir, pairedFolder ? "ground truth only (the NAME_HR files)" : "ground truth only", samples, []);
        }

        if (spec.InputPath != null)
            return Pair(name, root, spec.InputPath, scale, filenameTemplate);

        string? hrDir = FirstExisting(Path.Combine(root, "HR", $"x{scale}"), Path.Combine(root, "HR", $"X{scale}"), Path.Combine(root, "HR"));
        if (hrDir != null)
        {
            string? lrDir = FirstExisting(
                Path.Combine(root, "LR_bicubic", $"X{scale}"), Path.Combine(root, "LR_bicubic", $"x{scale}"),
                Path.Combine(root, "LRBI", $"x{scale}"), Path.Combine(root, "LRBI", $"X{scale}"),
                Path.Combine(root, "LR", $"X{scale}"), Path.Combine(root, "LR", $"x{scale}"));
            if (lrDir != null) return Pair(name, hrDir, lrDir, scale, filenameTemplate);
        }
        foreach (string dir in new[] { Path.Combine(root, $"x{scale}"), Path.Combine(root, $"X{scale}"), root })
            if (Directory.Exists(dir) && ListImages(dir).Any(f => LrFileNaming.HasToken(f, "HR")) && ListImages(dir).Any(f => LrFileNaming.HasToken(f, "LR")))
                return Pair(name, dir, dir, scale, filenameTemplate);

        string? gtDir = FirstWithImages(hrDir ?? root, Path.Combine(root, $"x{scale}"), Path.Combine(root, $"X{scale}"), root);
        if (gtDir == null) return Unusable(name, root, $"no images ({string.Join(", ", ImageFile.SupportedExtensions)}) in {root} or {Path.Combine(root, "HR")}");
        var gtOnly = ListImages(gtDir).Select(f => new EvaluationSample(Path.GetFileNameWithoutExtension(f), f, null)).ToList();
        return new EvaluationDataset(name, gtDir, $"HR only; LR = MATLAB bicubic ×1/{scale} of the mod-cropped HR", gtOnly, []);
    }

    /// <summary>The set name for a path: the last folder that is not a layout folder such as <c>HR</c> or <c>x4</c>.</summary>
    public static string NameFromPath(string path)
    {
        var dir = new DirectoryInfo(Path.GetFullPath(path));
        while (dir.Parent != null && LayoutFolderNames.Contains(dir.Name)) dir = dir.Parent;
        return dir.Name;
    }

    static EvaluationDataset Pair(string name, string hrDir, string lrDir, int scale, string? template)
    {
        bool sameDir = Path.GetFullPath(hrDir) == Path.GetFullPath(lrDir);
        Func<string, bool>? isHr = sameDir ? f => LrFileNaming.HasToken(f, "HR") : null;
        string location = sameDir ? hrDir : $"{hrDir},{lrDir}";
        if (!ListImages(hrDir).Any(isHr ?? (_ => true))) return Unusable(name, location, $"no HR images in {hrDir}");

        // In a shared folder the HR files are no LR candidates, so '{}' pairs nothing there.
        IEnumerable<LrFileNaming> rules = template != null ? [LrFileNaming.Template(template)] : CandidateRules(scale);
        var best = rules.Select(r => new PairedImageFolder(hrDir, lrDir, r, isHr)).OrderByDescending(p => p.Pairs.Count).First();

        var samples = best.Pairs.Select(p => new EvaluationSample(p.Name, p.HrPath, p.LrPath)).ToList();
        var skipped = best.MissingLr.Select(m => new SkippedImage(Path.GetFileNameWithoutExtension(m.HrPath), m.ExpectedLrName == null
            ? $"no low-resolution input for {m.HrPath}: its name has no 'HR' part to turn into the LR name ({best.Naming})"
            : $"missing low-resolution input for {m.HrPath}: expected {Path.Combine(lrDir, m.ExpectedLrName)} (filename template {best.Naming})")).ToList();
        return new EvaluationDataset(name, location, $"HR {hrDir} + LR {lrDir}, LR names {best.Naming}", samples, skipped);
    }

    static IEnumerable<LrFileNaming> CandidateRules(int scale)
    {
        yield return LrFileNaming.Template($"{{}}x{scale}");
        yield return LrFileNaming.Template($"{{}}_LRBI_x{scale}");
        yield return LrFileNaming.Template("{}");
        foreach (string lr in new[] { "LRBI", "LR" })
            yield return LrFileNaming.ReplaceToken("HR", lr);
    }

    static IReadOnlyList<string> ListImages(string dir) => ImageFolder.List(dir, allowEmpty: true);

    static string? FirstExisting(params string[] dirs) => dirs.FirstOrDefault(Directory.Exists);

    static string? FirstWithImages(params string[] dirs) => dirs.FirstOrDefault(d => Directory.Exists(d) && ListImages(d).Any());

    static EvaluationDataset Unusable(string name, string location, string problem) => new(name, location, "", [], [], problem);
}
