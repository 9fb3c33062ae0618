using MambaIR.Imaging;

namespace MambaIR.Inference;

/// <summary>One image to restore: its path and the path relative to the output folder it maps to (folder structure is mirrored).</summary>
public sealed record ImageJob(string Source, string RelativePath);

/// <summary>The images named on the command line, and the arguments that named nothing usable.</summary>
public sealed record InputSet(IReadOnlyList<ImageJob> Jobs, IReadOnlyList<BatchFailure> Problems);

/// <summary>
/// Expands the inputs: a file is taken as is (an unsupported extension is reported as a problem); a folder contributes its
/// images (by extension: <see cref="ImageFile.SupportedExtensions"/>), with sub-folders when recursive, mirrored under the
/// output folder; a missing path is a problem. Files are ordered by path; a file named twice is taken once. Files found
/// by scanning a folder are skipped when they lie inside <c>excludeFolder</c> (the output folder), so that outputs written
/// inside an input folder are not restored again on the next run.
/// </summary>
public static class InputCollector
{
    public static InputSet Collect(IEnumerable<string> inputs, bool recursive, string? excludeFolder = null)
    {
        string? excluded = excludeFolder is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(excludeFolder)) + Path.DirectorySeparatorChar;
        var jobs = new List<ImageJob>();
        var problems = new List<BatchFailure>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string path, string relative)
        {
            if (seen.Add(Path.GetFullPath(path))) jobs.Add(new ImageJob(path, relative));
        }
        foreach (var input in inputs)
        {
            if (File.Exists(input))
            {
                if (ImageFile.IsSupported(input)) Add(input, Path.GetFileName(input));
                else problems.Add(new BatchFailure(input, $"unsupported file type '{Path.GetExtension(input)}' (supported: {string.Join(", ", ImageFile.SupportedExtensions)})"));
            }
            else if (Directory.Exists(input))
            {
                var option = recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly;
                var files = Directory.EnumerateFiles(input, "*", option).Where(ImageFile.IsSupported)
                    .Where(f => excluded is null || !Path.GetFullPath(f).StartsWith(excluded, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
                if (files.Count == 0)
                    problems.Add(new BatchFailure(input, recursive ? "folder contains no supported images" : "folder contains no supported images (use --recursive for sub-folders)"));
                foreach (var f in files) Add(f, Path.GetRelativePath(input, f));
            }
            else problems.Add(new BatchFailure(input, "no such file or folder"));
        }
        return new InputSet(jobs, problems);
    }
}
