using System.Text;

namespace MambaIR.Text;

/// <summary>
/// Label/prediction normalisation of the STISR code (<c>str_filt</c>): <see cref="Lower"/> is the scoring form
/// (lower-case, keep only <c>[0-9a-z]</c>); <see cref="All"/> is the dataset-load form (keep <c>[0-9a-zA-Z]</c> and the
/// 32 ASCII punctuation characters, drop everything else including spaces).
/// </summary>
public static class TextNormalizer
{
    /// <summary>Python's <c>string.punctuation</c>.</summary>
    public const string Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /// <summary><c>str_filt(s, 'lower')</c>: lower-case, then keep only ASCII digits and letters.</summary>
    public static string Lower(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c0 in s)
        {
            char c = char.ToLowerInvariant(c0);
            if (c is >= '0' and <= '9' or >= 'a' and <= 'z') sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary><c>str_filt(s, 'all')</c>: keep ASCII digits, letters (case kept) and punctuation.</summary>
    public static string All(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
            if (c is >= '0' and <= '9' or >= 'a' and <= 'z' or >= 'A' and <= 'Z' || Punctuation.Contains(c)) sb.Append(c);
        return sb.ToString();
    }

    /// <summary>True when prediction and label agree under the protocol (<see cref="Lower"/> on both, exact match).</summary>
    public static bool IsMatch(string prediction, string label) => Lower(prediction) == Lower(label);
}
