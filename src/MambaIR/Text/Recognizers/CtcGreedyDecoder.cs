using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// CRNN's greedy CTC decoding (crnn.pytorch <c>strLabelConverter.decode(raw=False)</c>): argmax per time step,
/// collapse repeats, drop the blank (class 0); class <c>i ≥ 1</c> is <c>Alphabet[i − 1]</c>.
/// </summary>
public static class CtcGreedyDecoder
{
    /// <summary>The CRNN alphabet; class 0 is the CTC blank.</summary>
    public const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>Number of CRNN classes (alphabet + blank).</summary>
    public const int ClassCount = 37;

    /// <summary>Decodes CRNN scores (T, B, 37) into one string per batch item.</summary>
    public static IReadOnlyList<string> Decode(Tensor scores)
    {
        if (scores.dim() != 3 || scores.shape[2] != ClassCount)
            throw new ArgumentException($"expected CRNN scores (T, B, {ClassCount}), got ({string.Join(", ", scores.shape)})",
                nameof(scores));
        using var ids = scores.argmax(2).transpose(0, 1).contiguous().cpu();   // (B, T)
        long b = ids.shape[0], t = ids.shape[1];
        var flat = ids.data<long>().ToArray();
        var result = new string[b];
        for (long i = 0; i < b; i++)
            result[i] = Decode(new ReadOnlySpan<long>(flat, (int)(i * t), (int)t));
        return result;
    }

    /// <summary>Decodes one sequence of per-step class ids.</summary>
    public static string Decode(ReadOnlySpan<long> ids)
    {
        var chars = new System.Text.StringBuilder(ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            long c = ids[i];
            if (c != 0 && !(i > 0 && ids[i - 1] == c))
                chars.Append(Alphabet[(int)c - 1]);
        }
        return chars.ToString();
    }
}
