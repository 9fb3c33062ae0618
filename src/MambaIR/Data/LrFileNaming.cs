using System.Text.RegularExpressions;

namespace MambaIR.Data;

/// <summary>
/// How the LR file name follows from the HR file name: BasicSR's <c>filename_tmpl</c> (<see cref="Template"/>) or the
/// swap of a name token such as <c>HR</c> → <c>LR</c> (<see cref="ReplaceToken"/>, SelfExSR-style <c>NAME_HR.png</c> /
/// <c>NAME_LR.png</c>). Tokens are whole parts of the name stem, delimited by its start or end, <c>_</c>, <c>-</c> or
/// <c>.</c>, and case-sensitive.
/// </summary>
public sealed class LrFileNaming
{
    readonly Func<string, string?> _lrName;

    LrFileNaming(string description, Func<string, string?> lrName) { Description = description; _lrName = lrName; }

    /// <summary>The rule for reports, e.g. <c>'{}x4'</c> or <c>'HR' → 'LR' in the HR name</c>.</summary>
    public string Description { get; }

    /// <summary>The LR file name for an HR file name, or null when the rule does not apply to it (no token to swap).</summary>
    public string? LrName(string hrFileName) => _lrName(Path.GetFileName(hrFileName));

    /// <inheritdoc/>
    public override string ToString() => Description;

    /// <summary>BasicSR <c>filename_tmpl.format(hr_stem) + hr_ext</c> (<c>{}</c>, <c>{}x2</c>, <c>{}_LRBI_x4</c>).</summary>
    /// <exception cref="ArgumentException">The template has no <c>{}</c>.</exception>
    public static LrFileNaming Template(string filenameTemplate)
    {
        if (!filenameTemplate.Contains("{}", StringComparison.Ordinal))
            throw new ArgumentException($"filename template '{filenameTemplate}' must contain '{{}}' (BasicSR filename_tmpl)");
        return new($"'{filenameTemplate}'", file =>
            filenameTemplate.Replace("{}", Path.GetFileNameWithoutExtension(file), StringComparison.Ordinal) + Path.GetExtension(file));
    }

    /// <summary>The HR name with its last <paramref name="hrToken"/> token replaced by <paramref name="lrToken"/>, extension kept.</summary>
    public static LrFileNaming ReplaceToken(string hrToken, string lrToken)
    {
        var last = new Regex($@"(?<=^|[_\-.]){Regex.Escape(hrToken)}(?=$|[_\-.])", RegexOptions.RightToLeft);
        return new($"'{hrToken}' → '{lrToken}' in the HR name", file =>
        {
            string stem = Path.GetFileNameWithoutExtension(file);
            var m = last.Match(stem);
            return m.Success ? stem[..m.Index] + lrToken + stem[(m.Index + m.Length)..] + Path.GetExtension(file) : null;
        });
    }

    /// <summary>True when the file's name stem has <paramref name="token"/> as a whole part (e.g. <c>HR</c> in <c>baby_HR_x4</c>).</summary>
    public static bool HasToken(string file, string token) =>
        Regex.IsMatch(Path.GetFileNameWithoutExtension(file), $@"(^|[_\-.]){Regex.Escape(token)}($|[_\-.])");
}
