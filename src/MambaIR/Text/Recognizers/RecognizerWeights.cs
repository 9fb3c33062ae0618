using MambaIR.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// Loads a recognizer's weights: the file must hold the right network (its key patterns, <see cref="RecognizerKinds.Detect"/>),
/// then the copy is strict (<see cref="StrictStateDict"/>). Values are converted to the module's dtype (the released and
/// reference checkpoints may store float16).
/// </summary>
public static class RecognizerWeights
{
    /// <summary>
    /// Copies <paramref name="stateDict"/> into <paramref name="module"/>. A <c>module.</c> prefix on every key
    /// (DataParallel checkpoints) is ignored. <paramref name="source"/> names the file in error messages.
    /// </summary>
    /// <exception cref="InvalidDataException">The weights are another recognizer's.</exception>
    /// <exception cref="CheckpointException">Missing or unexpected keys, or a shape mismatch.</exception>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, RecognizerKind expected, string source)
    {
        var detected = RecognizerKinds.Detect(stateDict.Keys);
        if (detected is { } d && d != expected)
            throw new InvalidDataException(
                $"'{source}' is a {d.Name().ToUpperInvariant()} checkpoint, not {expected.Name().ToUpperInvariant()}");
        StrictStateDict.Copy(module, stateDict, source,
            $"the {expected.Name().ToUpperInvariant()} network{(detected is null ? " (its keys look like no known recognizer)" : "")}");
    }
}
