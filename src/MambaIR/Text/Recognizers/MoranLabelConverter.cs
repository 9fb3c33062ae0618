using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// MORAN's alphabet and test-time decoding (MORAN_v2 <c>strLabelConverterForAttention</c>): class <c>i</c> is
/// <c>Alphabet[i]</c>, and the TextZoom protocol cuts each prediction at the first <c>'$'</c> (end of string).
/// </summary>
public static class MoranLabelConverter
{
    /// <summary><c>0-9a-z</c> then <c>'$'</c> (end of string): 37 classes.</summary>
    public const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz$";

    /// <summary>Number of MORAN classes.</summary>
    public const int ClassCount = 37;

    /// <summary>The end-of-string symbol.</summary>
    public const char EndOfString = '$';

    /// <summary>Number of decoding steps in the TextZoom protocol (dummy text <c>'0' × 20</c>).</summary>
    public const int ProtocolSteps = 20;

    /// <summary>Decodes class ids (B, steps) into strings cut at <c>'$'</c>.</summary>
    public static IReadOnlyList<string> Decode(Tensor ids)
    {
        if (ids.dim() != 2)
            throw new ArgumentException($"expected MORAN ids (B, steps), got ({string.Join(", ", ids.shape)})", nameof(ids));
        using var c = ids.contiguous().cpu().to(ScalarType.Int64);
        long b = c.shape[0], t = c.shape[1];
        var flat = c.data<long>().ToArray();
        var result = new string[b];
        for (long i = 0; i < b; i++)
        {
            var chars = new char[t];
            for (long j = 0; j < t; j++) chars[j] = Alphabet[(int)flat[i * t + j]];
            var s = new string(chars);
            int eos = s.IndexOf(EndOfString);
            result[i] = eos < 0 ? s : s[..eos];
        }
        return result;
    }
}
