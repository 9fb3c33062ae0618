using MambaIR.Checkpoints;
using MambaIR.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Optimization;

/// <summary>What <see cref="PretrainedWeights.Load"/> did.</summary>
/// <param name="ParamKey">The key the weights were read from (<c>params</c>, <c>params_ema</c>, or null for a flat file).</param>
/// <param name="Loaded">Tensors copied.</param>
/// <param name="SkippedShape">Keys present in both whose shapes differ (skipped with <c>strict_load_g: false</c>), with both shapes.</param>
/// <param name="Missing">Network keys the file lacks (kept as initialised).</param>
/// <param name="Unexpected">File keys the network lacks (ignored).</param>
public sealed record PretrainReport(string Source, string? ParamKey, int Loaded, IReadOnlyList<string> SkippedShape,
    IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected)
{
    /// <summary>Log lines, as BasicSR's <c>_print_different_keys_loading</c> lists them.</summary>
    public IEnumerable<string> Lines()
    {
        yield return $"Loading MambaIR model from {Source}, with param key: [{ParamKey ?? "(flat state dict)"}]: {Loaded} tensor(s) loaded.";
        if (Missing.Count > 0) yield return "Current net - loaded net: " + string.Join(", ", Missing);
        if (Unexpected.Count > 0) yield return "Loaded net - current net: " + string.Join(", ", Unexpected);
        foreach (var s in SkippedShape) yield return "Size different, ignore " + s;
    }
}

/// <summary>
/// BasicSR's <c>load_network(net, path, strict, param_key)</c>: reads <c>param_key</c> (falling back to
/// <c>params</c> when the key is absent, as BasicSR does; a flat state dict is also accepted), strips <c>module.</c>,
/// then with <c>strict</c> requires exactly the network's keys and shapes, and without it copies the keys present in both
/// with equal shapes, skipping and listing those whose shapes differ (how the official ×3/×4 configs fine-tune from ×2).
/// A file that shares fewer than half of the network's tensors is refused as another architecture, strict or not.
/// </summary>
public static class PretrainedWeights
{
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="CheckpointException">Unreadable, another architecture, or (strict) keys/shapes that differ; the message names the file.</exception>
    public static PretrainReport Load(nn.Module network, string path, string paramKey, bool strict)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"pretrained network not found: {path}", path);
        StateDict sd;
        try { sd = Checkpoint.Load(path, paramKey); }
        catch (CheckpointKeyNotFoundException e) when (paramKey != "params" && e.AvailableKeys.Contains("params"))
        {
            sd = Checkpoint.Load(path, "params");
        }
        catch (CheckpointKeyNotFoundException) { sd = Checkpoint.Load(path, StateDictSelector.Auto); }
        using (sd)
        {
            var target = network.state_dict();
            var missing = target.Keys.Where(k => !sd.ContainsKey(k)).ToList();
            var unexpected = sd.Keys.Where(k => !target.ContainsKey(k)).ToList();
            var skipped = new List<string>();
            var load = new List<string>();
            foreach (var (k, t) in target)
            {
                if (!sd.TryGetValue(k, out var src)) continue;
                if (!src.shape.SequenceEqual(t.shape)) skipped.Add($"[{k}]: crt_net: {StateDictLayout.Shape(t.shape)}; load_net: {StateDictLayout.Shape(src.shape)}");
                else if (!src.is_floating_point() && t.is_floating_point()) skipped.Add($"[{k}]: not floating point ({src.dtype})");
                else load.Add(k);
            }
            if (load.Count * 2 < target.Count)
                throw new CheckpointException(path, $"only {load.Count} of the network's {target.Count} tensors match this file by name and shape; it holds another architecture " +
                    $"(missing e.g. {string.Join(", ", missing.Take(3))}; unexpected e.g. {string.Join(", ", unexpected.Take(3))})");
            if (strict && (missing.Count > 0 || unexpected.Count > 0 || skipped.Count > 0))
            {
                var problems = StateDictLayout.Compare(StateDictLayout.Of(network), StateDictLayout.Of(sd));
                throw new CheckpointException(path, $"does not match the network with strict_load_g true: {string.Join("; ", problems)}; set strict_load_g: false to fine-tune from it");
            }
            using (no_grad())
                foreach (var k in load) target[k].copy_(sd[k]);
            return new PretrainReport(path, sd.ParamKey, load.Count, skipped, missing, unexpected);
        }
    }
}
