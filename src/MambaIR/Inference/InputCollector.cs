using MambaIR.Imaging;

namespace MambaIR.Inference;

/// <summary>One image to restore: its path and the path relative to the output folder it maps to (folder structure is mirrored).</summary>
public sealed record ImageJob(string Source, string RelativePath);

/// <summary>The images named on the command line, and the arguments that named nothing usable.</summary>
public sealed record InputSet(IReadOnlyList<ImageJob> Jobs, IReadOnlyList<BatchFailure> Problems);

/// <summary>
/// Expands the inputs: a file is taken as is (an unsupported extension is reported as a problem); a folder contributes its
/// images (by extension: <see cref="ImageFile.SupportedExtensions"/>), with sub-folders when recursive, mirrored under the
/// output folder; a missing path is a problem. Files are ordered by path; a file named twice is taken once. Files found by
/// scanning a folder are never this run's own outputs: a file that is the output of another input (<see cref="OutputNaming"/>)
/// is left out, and so is the output folder when it lies inside a scanned folder — so writing the outputs into an input
/// folder works, and a rerun does not restore its outputs again.
/// </summary>
public static class InputCollector
{
    /// <summary>Collects the jobs of <paramref name="inputs"/> for outputs named by <paramref name="naming"/>.</summary>
    public static InputSet Collect(IEnumerable<string> inputs, bool recursive, OutputNaming naming)
    {
        string outputDir = Path.TrimEndingDirectorySeparator(naming.OutputDirectory) + Path.DirectorySeparatorChar;
        var named = new List<ImageJob>();
        var scanned = new List<(string Folder, ImageJob Job)>();
        var problems = new List<BatchFailure>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var folders = new List<string>();
        foreach (var input in inputs)
        {
            if (File.Exists(input))
            {
                if (!ImageFile.IsSupported(input))
                    problems.Add(new BatchFailure(input, $"unsupported file type '{Path.GetExtension(input)}' (supported: {string.Join(", ", ImageFile.SupportedExtensions)})"));
                else if (seen.Add(Path.GetFullPath(input))) named.Add(new ImageJob(input, Path.GetFileName(input)));
            }
            else if (Directory.Exists(input))
            {
                folders.Add(input);
                string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(input)) + Path.DirectorySeparatorChar;
                bool outputInside = outputDir.StartsWith(root, StringComparison.Ordinal) && outputDir != root;
                var option = recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly;
                foreach (var f in Directory.EnumerateFiles(input, "*", option).Where(ImageFile.IsSupported).Order(StringComparer.Ordinal))
                {
                    string full = Path.GetFullPath(f);
                    if (outputInside && full.StartsWith(outputDir, StringComparison.Ordinal)) continue;
                    if (seen.Add(full)) scanned.Add((input, new ImageJob(f, Path.GetRelativePath(input, f))));
                }
            }
            else problems.Add(new BatchFailure(input, "no such file or folder"));
        }

        // A scanned file that some input's output path names is an output of this run, not an input.
        var producers = named.Concat(scanned.Select(s => s.Job)).ToLookup(naming.PathFor, j => Path.GetFullPath(j.Source), StringComparer.Ordinal);
        var kept = scanned.Where(s =>
        {
            string full = Path.GetFullPath(s.Job.Source);
            return !producers[full].Any(source => source != full);
        }).ToList();
        foreach (var folder in folders.Where(f => !kept.Any(k => k.Folder == f)))
        {
            int own = scanned.Count(s => s.Folder == folder);
            string message = own > 0
                ? $"all {own} image(s) here are outputs of this run (named {{stem}}_{naming.Suffix}...), so there is nothing to restore"
                : recursive || !Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Any(ImageFile.IsSupported)
                    ? "folder contains no supported images"
                    : "no supported images directly in this folder; its sub-folders hold some (restore them recursively)";
            problems.Add(new BatchFailure(folder, message));
        }
        return new InputSet(named.Concat(kept.Select(k => k.Job)).ToList(), problems);
    }
}
