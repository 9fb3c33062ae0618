using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// Strict copying of a PyTorch state dict into a recognizer module: every key must be present with the right shape,
/// none may be left over, and the source must be the right network. Values are converted to the module's dtype
/// (the released and reference checkpoints may store float16).
/// </summary>
public static class RecognizerWeights
{
    /// <summary>
    /// Copies <paramref name="stateDict"/> into <paramref name="module"/>. A <c>module.</c> prefix on every key
    /// (DataParallel checkpoints) is ignored. <paramref name="source"/> names the file in error messages.
    /// </summary>
    /// <exception cref="InvalidDataException">Wrong network, missing or unexpected keys, or a shape mismatch.</exception>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, RecognizerKind expected, string source)
    {
        bool prefixed = stateDict.Count > 0 && stateDict.Keys.All(k => k.StartsWith("module.", StringComparison.Ordinal));
        var src = stateDict.ToDictionary(kv => prefixed ? RecognizerKinds.StripModulePrefix(kv.Key) : kv.Key, kv => kv.Value,
            StringComparer.Ordinal);

        var detected = RecognizerKinds.Detect(src.Keys);
        if (detected is { } d && d != expected)
            throw new InvalidDataException(
                $"'{source}' is a {d.Name().ToUpperInvariant()} checkpoint, not {expected.Name().ToUpperInvariant()}");

        var dst = module.state_dict();
        var missing = dst.Keys.Where(k => !src.ContainsKey(k)).ToList();
        var unexpected = src.Keys.Where(k => !dst.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var msg = new StringBuilder($"'{source}' does not match the {expected.Name().ToUpperInvariant()} network");
            if (detected is null) msg.Append(" (its keys look like no known recognizer)");
            if (missing.Count > 0) msg.Append($"; missing {missing.Count} key(s): {Preview(missing)}");
            if (unexpected.Count > 0) msg.Append($"; unexpected {unexpected.Count} key(s): {Preview(unexpected)}");
            throw new InvalidDataException(msg.ToString());
        }

        foreach (var (key, target) in dst)
        {
            var value = src[key];
            if (!value.shape.SequenceEqual(target.shape))
                throw new InvalidDataException(
                    $"'{source}': key '{key}' has shape ({string.Join(", ", value.shape)}), " +
                    $"the {expected.Name().ToUpperInvariant()} network needs ({string.Join(", ", target.shape)})");
        }

        using var noGrad = no_grad();
        foreach (var (key, target) in dst)
            target.copy_(src[key]);
    }

    static string Preview(List<string> keys) =>
        string.Join(", ", keys.Take(5).Select(k => $"'{k}'")) + (keys.Count > 5 ? ", ..." : "");
}
