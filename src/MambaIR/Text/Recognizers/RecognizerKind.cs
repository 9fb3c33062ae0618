using MambaIR.Checkpoints;
namespace MambaIR.Text.Recognizers;

/// <summary>The three recognizers of the TextZoom protocol.</summary>
public enum RecognizerKind
{
    /// <summary>CRNN (meijieru/crnn.pytorch): CTC over <c>0-9a-z</c>.</summary>
    Crnn,
    /// <summary>MORAN v2 (Canjie-Luo/MORAN_v2): MORN rectifier and bidirectional attention decoder.</summary>
    Moran,
    /// <summary>ASTER (ayumiymk/aster.pytorch): TPS-STN, ResNet, attention decoder with beam search.</summary>
    Aster,
}

/// <summary>Names and checkpoint fingerprints of <see cref="RecognizerKind"/>.</summary>
public static class RecognizerKinds
{
    /// <summary>The lower-case name used on the command line and in reports.</summary>
    public static string Name(this RecognizerKind kind) => kind switch
    {
        RecognizerKind.Crnn => "crnn",
        RecognizerKind.Moran => "moran",
        RecognizerKind.Aster => "aster",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Parses <c>crnn</c>, <c>moran</c> or <c>aster</c> (case-insensitive).</summary>
    public static RecognizerKind Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "crnn" => RecognizerKind.Crnn,
        "moran" => RecognizerKind.Moran,
        "aster" => RecognizerKind.Aster,
        _ => throw new ArgumentException($"unknown recognizer '{name}': expected crnn, moran or aster", nameof(name)),
    };

    /// <summary>
    /// Recognizes which network a state dict (already unwrapped from <c>{'state_dict': ...}</c>, with or without a
    /// <c>module.</c> prefix) belongs to, from its key patterns; null when it matches none of them.
    /// </summary>
    public static RecognizerKind? Detect(IEnumerable<string> keys)
    {
        var set = keys.Select(StateDictKeys.WithoutModulePrefix).ToHashSet(StringComparer.Ordinal);
        if (set.Any(k => k.StartsWith("MORN.", StringComparison.Ordinal) || k.StartsWith("ASRN.", StringComparison.Ordinal)))
            return RecognizerKind.Moran;
        if (set.Contains("encoder.layer0.0.weight") || set.Any(k => k.StartsWith("decoder.decoder.", StringComparison.Ordinal))
            || set.Any(k => k.StartsWith("stn_head.", StringComparison.Ordinal)))
            return RecognizerKind.Aster;
        if (set.Contains("cnn.conv0.weight") || set.Any(k => k.StartsWith("rnn.0.rnn.", StringComparison.Ordinal)))
            return RecognizerKind.Crnn;
        return null;
    }
}
