using static TorchSharp.torch;

namespace MambaIR.Checkpoints;

/// <summary>The <c>module.</c> prefix that <c>nn.DataParallel</c> and DistributedDataParallel put before every key.</summary>
public static class StateDictKeys
{
    /// <summary>The prefix.</summary>
    public const string ModulePrefix = "module.";

    /// <summary><paramref name="key"/> without a leading <c>module.</c>.</summary>
    public static string WithoutModulePrefix(string key) =>
        key.StartsWith(ModulePrefix, StringComparison.Ordinal) ? key[ModulePrefix.Length..] : key;

    /// <summary>The weights with the prefix removed when every key carries it; otherwise as they are.</summary>
    public static IReadOnlyDictionary<string, Tensor> WithoutModulePrefix(IReadOnlyDictionary<string, Tensor> weights) =>
        weights.Count > 0 && weights.Keys.All(k => k.StartsWith(ModulePrefix, StringComparison.Ordinal))
            ? weights.ToDictionary(kv => WithoutModulePrefix(kv.Key), kv => kv.Value, StringComparer.Ordinal)
            : weights;
}
