using System.Text;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// ASTER's <c>'all'</c> vocabulary (aster.pytorch <c>get_vocabulary('all')</c>): digits, ASCII letters (lower then
/// upper case) and the 32 ASCII punctuation characters (94 symbols), then EOS (94), PADDING (95) and UNKNOWN (96).
/// </summary>
public static class AsterVocabulary
{
    /// <summary>The 94 printable symbols, in class order (Python <c>digits + ascii_letters + punctuation</c>).</summary>
    public const string Symbols =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /// <summary>End-of-sequence class id.</summary>
    public const int Eos = 94;
    /// <summary>Padding class id.</summary>
    public const int Padding = 95;
    /// <summary>Unknown-symbol class id.</summary>
    public const int Unknown = 96;
    /// <summary>Number of classes (97).</summary>
    public const int ClassCount = 97;

    /// <summary>
    /// TextZoom <c>get_str_list</c>: for each row of <paramref name="ids"/> (B, L), symbols up to the first EOS,
    /// skipping UNKNOWN, then <c>_normalize_text</c> (keep <c>[0-9A-Za-z]</c>, lower-case).
    /// </summary>
    public static IReadOnlyList<string> Decode(Tensor ids)
    {
        if (ids.dim() != 2)
            throw new ArgumentException($"expected ASTER ids (B, L), got ({string.Join(", ", ids.shape)})", nameof(ids));
        using var c = ids.contiguous().cpu().to(ScalarType.Int64);
        long b = c.shape[0], t = c.shape[1];
        var flat = c.data<long>().ToArray();
        var result = new string[b];
        for (long i = 0; i < b; i++)
        {
            var s = new StringBuilder();
            for (long j = 0; j < t; j++)
            {
                long id = flat[i * t + j];
                if (id == Eos) break;
                if (id == Unknown) continue;
                if (id < 0 || id >= ClassCount)
                    throw new InvalidDataException($"ASTER produced class id {id} outside [0, {ClassCount})");
                if (id < Symbols.Length) s.Append(Symbols[(int)id]);
            }
            result[i] = NormalizeText(s.ToString());
        }
        return result;
    }

    /// <summary><c>_normalize_text</c>: keep ASCII digits and letters, lower-case.</summary>
    public static string NormalizeText(string text)
    {
        var s = new StringBuilder(text.Length);
        foreach (char ch in text)
            if (char.IsAsciiLetterOrDigit(ch)) s.Append(char.ToLowerInvariant(ch));
        return s.ToString();
    }
}
