using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Checkpoints;

/// <summary>Keys and shapes of a state dict, and the differences between an expected and an actual one.</summary>
public static class StateDictLayout
{
    /// <summary>The state-dict keys and shapes of a module, in registration order.</summary>
    public static IReadOnlyDictionary<string, long[]> Of(nn.Module module) =>
        module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

    /// <summary>Shapes of a name → tensor mapping.</summary>
    public static IReadOnlyDictionary<string, long[]> Of(IEnumerable<KeyValuePair<string, Tensor>> tensors) =>
        tensors.ToDictionary(kv => kv.Key, kv => kv.Value.shape);

    /// <summary>Lines describing missing keys, unexpected keys and shape mismatches (key, expected, found); empty when equal.</summary>
    public static IReadOnlyList<string> Compare(IReadOnlyDictionary<string, long[]> expected, IReadOnlyDictionary<string, long[]> found)
    {
        var problems = new List<string>();
        var missing = expected.Keys.Where(k => !found.ContainsKey(k)).ToList();
        var unexpected = found.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        if (missing.Count > 0) problems.Add($"missing keys ({missing.Count}): {Abbreviate(missing)}");
        if (unexpected.Count > 0) problems.Add($"unexpected keys ({unexpected.Count}): {Abbreviate(unexpected)}");
        foreach (var (key, shape) in expected)
            if (found.TryGetValue(key, out var f) && !f.SequenceEqual(shape))
                problems.Add($"shape mismatch for {key}: expected {Shape(shape)}, found {Shape(f)}");
        return problems;
    }

    /// <summary>"(a, b, c)".</summary>
    public static string Shape(long[] shape) => "(" + string.Join(", ", shape) + ")";

    static string Abbreviate(IReadOnlyList<string> keys, int max = 12) =>
        string.Join(", ", keys.Take(max)) + (keys.Count > max ? $", ... ({keys.Count - max} more)" : "");
}
