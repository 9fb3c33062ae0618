namespace MambaIR.Evaluation;

/// <summary>
/// A test set as given on the command line: <c>PATH[:NAME]</c> (a benchmark folder, an HR/ground-truth folder, or an
/// <c>x{s}</c> folder) or <c>HR_DIR,LR_DIR[:NAME]</c> (explicit ground-truth and low-quality folders).
/// </summary>
/// <param name="GroundTruthPath">The benchmark root or the ground-truth folder.</param>
/// <param name="InputPath">An explicit low-quality (LR) folder, or null to find it (or synthesise the input).</param>
/// <param name="Name">Display name; null to derive it from the path.</param>
public sealed record DatasetSpec(string GroundTruthPath, string? InputPath = null, string? Name = null)
{
    /// <summary>Parses <c>PATH[:NAME]</c> or <c>HR_DIR,LR_DIR[:NAME]</c>. A drive letter (<c>C:\</c>) is not taken for a name.</summary>
    public static DatasetSpec Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new ArgumentException("empty dataset; expected PATH[:NAME] or HR_DIR,LR_DIR[:NAME]");
        string body = text.Trim();
        string? name = null;
        int colon = body.LastIndexOf(':');
        if (colon > 1 && colon < body.Length - 1 && body.IndexOfAny(['/', '\\'], colon) < 0)
        {
            name = body[(colon + 1)..];
            body = body[..colon];
        }
        var parts = body.Split(',');
        if (parts.Length > 2 || parts.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException($"dataset '{text}': expected PATH[:NAME] or HR_DIR,LR_DIR[:NAME]");
        return new DatasetSpec(parts[0], parts.Length == 2 ? parts[1] : null, name);
    }
}
