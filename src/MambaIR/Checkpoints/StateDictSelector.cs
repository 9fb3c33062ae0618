using MambaIR.Checkpoints.Pickle;

namespace MambaIR.Checkpoints;

/// <summary>
/// Finds the dict of tensors inside an unpickled checkpoint. With <c>"auto"</c> it follows BasicSR's convention
/// (<c>params_ema</c>, else <c>params</c>) and the common training wrappers (<c>state_dict</c>, <c>model</c>,
/// <c>net_g</c>, ...); a flat dict of tensors is used as is. An explicit key must exist at the top level.
/// </summary>
internal static class StateDictSelector
{
    /// <summary>The value of <c>paramKey</c> that picks the tensors automatically.</summary>
    public const string Auto = "auto";

    /// <summary>Wrapper keys tried, in order, when the dict itself holds no tensors.</summary>
    public static readonly string[] WrapperKeys = { "params_ema", "params", "state_dict", "model", "net_g", "model_state_dict", "net", "network" };

    public static (PickleDict Dict, string? Key) Select(string path, object? root, string paramKey)
    {
        var top = AsDict(path, root);
        if (paramKey == Auto)
        {
            var d = top;
            string? key = null;
            for (int depth = 0; depth < 4; depth++)
            {
                if (HasTensors(d)) return (d, key);
                string? next = WrapperKeys.FirstOrDefault(k => d.TryGet(k, out var v) && v is PickleDict inner && (HasTensors(inner) || inner.Count > 0));
                if (next is null) break;
                d.TryGet(next, out var nv);
                d = (PickleDict)nv!;
                key = key is null ? next : key + "." + next;
            }
            throw new CheckpointException(path, "no tensors found: " + (top.Count == 0
                ? "the checkpoint is an empty dict"
                : $"the checkpoint's top level has keys {string.Join(", ", top.StringKeys.Take(12).Select(k => $"'{k}'"))}"
                  + (top.Count > 12 ? ", ..." : "") + " and none of them is a dict of tensors; pass the key that holds the weights"));
        }
        if (!top.TryGet(paramKey, out var value))
        {
            var keys = top.StringKeys.ToList();
            string? hint = HasTensors(top) ? $"The file is a flat state dict of {top.Count} entries; load it with param key '{Auto}'" : null;
            throw new CheckpointKeyNotFoundException(path, paramKey, hint is null ? keys : keys.Take(5).ToList(), hint);
        }
        if (value is not PickleDict dict || !HasTensors(dict))
            throw new CheckpointException(path, $"key '{paramKey}' holds {PickleFormat.Describe(value)}, not a dict of tensors");
        return (dict, paramKey);
    }

    static PickleDict AsDict(string path, object? root) => root switch
    {
        PickleDict d => d,
        PickleObject o when o.Type.Module.StartsWith("torch.nn", StringComparison.Ordinal) || o.State is PickleDict { } s && s.TryGet("_parameters", out _) =>
            throw new CheckpointException(path, $"the checkpoint is a whole pickled model ({o.Type.FullName}), not a state dict; " +
                                                "re-save it in Python with torch.save(model.state_dict(), path)"),
        PickleObject { DictItems: { } items } => items,
        _ => throw new CheckpointException(path, $"the checkpoint holds a {PickleFormat.TypeName(root)}, not a dict of tensors"),
    };

    static bool HasTensors(PickleDict d) => d.Items.Any(kv => kv.Value is TensorRecord or UnsupportedTensor);
}
