namespace MambaIR.Inference;

/// <summary>
/// Output paths: <c>{output}/{relative folder}/{stem}_{suffix}.{ext}</c> (no underscore when the suffix is empty), where ext
/// is the chosen format or the input's own extension for <c>same</c>. When two inputs would get the same output name
/// (e.g. <c>a.jpg</c> and <c>a.png</c> written as PNG), each gets its source extension in the name: <c>a_jpg_x4.png</c>.
/// </summary>
public sealed class OutputNaming
{
    /// <summary>Formats that can be written: an extension without dot, or <c>same</c> to keep each input's format.</summary>
    public static IReadOnlyList<string> Formats { get; } = new[] { "png", "same", "jpg", "webp", "tif", "bmp" };

    /// <param name="outputDirectory">Root of the outputs.</param>
    /// <param name="suffix">Appended to each file stem after an underscore; may be empty.</param>
    /// <param name="format">One of <see cref="Formats"/> (also accepts <c>jpeg</c>, <c>tiff</c>).</param>
    public OutputNaming(string outputDirectory, string suffix, string format)
    {
        if (string.IsNullOrWhiteSpace(outputDirectory)) throw new ArgumentException("an output folder is required (-o DIR)");
        if (suffix.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || suffix.Contains('/') || suffix.Contains('\\'))
            throw new ArgumentException($"--suffix '{suffix}' contains characters that cannot be in a file name");
        string f = format.Trim().TrimStart('.').ToLowerInvariant() switch { "jpeg" => "jpg", "tiff" => "tif", var x => x };
        if (!Formats.Contains(f)) throw new ArgumentException($"--format '{format}' is not supported; use {string.Join(", ", Formats)}");
        OutputDirectory = outputDirectory; Suffix = suffix; Format = f;
    }

    public string OutputDirectory { get; }
    public string Suffix { get; }
    public string Format { get; }

    /// <summary>The output path of every job, in job order, with name collisions resolved.</summary>
    public IReadOnlyList<string> Plan(IReadOnlyList<ImageJob> jobs)
    {
        var plain = jobs.Select(j => PathFor(j, withSourceExtension: false)).ToList();
        var clashes = plain.GroupBy(p => p, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        return jobs.Select((j, i) => clashes.Contains(plain[i]) ? PathFor(j, withSourceExtension: true) : plain[i]).ToList();
    }

    string PathFor(ImageJob job, bool withSourceExtension)
    {
        string sourceExt = Path.GetExtension(job.RelativePath);
        string ext = Format == "same" ? sourceExt.ToLowerInvariant() : "." + Format;
        string stem = Path.GetFileNameWithoutExtension(job.RelativePath);
        if (withSourceExtension) stem += "_" + sourceExt.TrimStart('.').ToLowerInvariant();
        string name = stem + (Suffix.Length > 0 ? "_" + Suffix : "") + ext;
        string? folder = Path.GetDirectoryName(job.RelativePath);
        return Path.GetFullPath(Path.Combine(OutputDirectory, folder ?? "", name));
    }
}
