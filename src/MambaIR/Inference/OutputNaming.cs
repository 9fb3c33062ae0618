using MambaIR.Imaging;

namespace MambaIR.Inference;

/// <summary>
/// Output paths: <c>{output}/{relative folder}/{stem}_{suffix}.{ext}</c> (no underscore when the suffix is empty), where the
/// relative folder mirrors the input's place under the folder it was found in (files named directly go to the output
/// folder itself) and ext is the chosen format's, or the input's own for <see cref="OutputFormat.KeepSource"/> (PNG for
/// inputs in a format that is not written, such as GIF). An output path
/// depends on its input alone, never on which other inputs are in the run, so reruns and shards agree; a run in which two
/// inputs would get the same output is refused (<see cref="OutputCollisionException"/>).
/// </summary>
public sealed class OutputNaming
{
    /// <param name="outputDirectory">Root of the outputs.</param>
    /// <param name="suffix">Appended to each file stem after an underscore; may be empty.</param>
    /// <param name="format">The output format.</param>
    public OutputNaming(string outputDirectory, string suffix, OutputFormat format)
    {
        if (string.IsNullOrWhiteSpace(outputDirectory)) throw new ArgumentException("an output folder is required");
        if (suffix.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || suffix.Contains('\\'))
            throw new ArgumentException($"output suffix '{suffix}' contains characters that cannot be in a file name");
        OutputDirectory = Path.GetFullPath(outputDirectory); Suffix = suffix; Format = format;
    }

    /// <summary>Root of the outputs (absolute).</summary>
    public string OutputDirectory { get; }
    /// <summary>Appended to each stem after an underscore.</summary>
    public string Suffix { get; }
    /// <summary>The output format.</summary>
    public OutputFormat Format { get; }

    /// <summary>The output path of <paramref name="job"/>.</summary>
    public string PathFor(ImageJob job)
    {
        string ext = ImageFormats.Extension(FormatFor(job));
        string stem = Path.GetFileNameWithoutExtension(job.RelativePath);
        string name = stem + (Suffix.Length > 0 ? "_" + Suffix : "") + ext;
        string? folder = Path.GetDirectoryName(job.RelativePath);
        return Path.GetFullPath(Path.Combine(OutputDirectory, folder ?? "", name));
    }

    /// <summary>The file format <paramref name="job"/> is written in.</summary>
    public ImageFormat FormatFor(ImageJob job) =>
        ImageFile.OutputFormatFor(Format, ImageFormats.FromExtension(job.RelativePath) ?? ImageFormat.Png, out _);

    /// <summary>The output path of every job, in job order.</summary>
    /// <exception cref="OutputCollisionException">Two jobs would write the same file (all such groups are listed).</exception>
    public IReadOnlyList<string> Plan(IReadOnlyList<ImageJob> jobs)
    {
        var outputs = jobs.Select(PathFor).ToList();
        var clashes = outputs.Select((o, i) => (o, i)).GroupBy(x => x.o, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
            .Select(g => new OutputCollision(g.Key, g.Select(x => jobs[x.i].Source).ToList())).ToList();
        if (clashes.Count > 0) throw new OutputCollisionException(clashes);
        return outputs;
    }
}

/// <summary>Inputs that would be written to the same output file.</summary>
public sealed record OutputCollision(string Output, IReadOnlyList<string> Sources);

/// <summary>A run refused because different inputs would map to one output; names every collision.</summary>
public sealed class OutputCollisionException(IReadOnlyList<OutputCollision> collisions)
    : IOException($"{collisions.Count} output name(s) would be written by more than one input, so nothing was restored: " +
        string.Join("; ", collisions.Take(5).Select(c => $"{string.Join(" and ", c.Sources)} → {c.Output}")) + (collisions.Count > 5 ? "; ..." : "") +
        ". Restore such files in separate runs or to different output folders, keep each input's format, or pass their common parent folder (its sub-folders are mirrored).")
{
    /// <summary>The collisions.</summary>
    public IReadOnlyList<OutputCollision> Collisions { get; } = collisions;
}
