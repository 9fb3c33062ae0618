using MambaIR.Checkpoints;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>Loads any of the three TextZoom recognizers by kind.</summary>
public static class TextRecognizers
{
    /// <summary>Loads the recognizer <paramref name="kind"/> from <paramref name="path"/> in <paramref name="dtype"/>.</summary>
    /// <exception cref="CheckpointException">Unreadable file.</exception>
    /// <exception cref="InvalidDataException">The file holds another recognizer or does not match the network.</exception>
    public static ITextRecognizer Load(RecognizerKind kind, string path, ScalarType dtype = ScalarType.Float32) => kind switch
    {
        RecognizerKind.Crnn => CrnnRecognizer.Load(path, dtype),
        RecognizerKind.Moran => MoranRecognizer.Load(path, dtype),
        RecognizerKind.Aster => AsterRecognizer.Load(path, dtype),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Loads whichever recognizer <paramref name="path"/> holds, told from its keys.</summary>
    /// <exception cref="InvalidDataException">The keys match none of CRNN, MORAN and ASTER.</exception>
    public static ITextRecognizer Load(string path, ScalarType dtype = ScalarType.Float32)
    {
        RecognizerKind kind;
        using (var stateDict = Checkpoint.Load(path))
            kind = RecognizerKinds.Detect(stateDict.Keys)
                ?? throw new InvalidDataException($"'{path}' is not a CRNN, MORAN or ASTER checkpoint (keys such as " +
                                                  $"{string.Join(", ", stateDict.Keys.Take(3).Select(k => $"'{k}'"))})");
        return Load(kind, path, dtype);
    }
}
