using MambaIR.Checkpoints.Pickle;

namespace MambaIR.Checkpoints;

/// <summary>
/// Rebuilds <c>model.state_dict()</c> from a whole pickled <c>nn.Module</c> (<c>torch.save(model)</c>) without running
/// its code: a module's own <c>_parameters</c>, then its persistent <c>_buffers</c>, then each child in
/// <c>_modules</c> under <c>name.</c>, which is the order PyTorch's state_dict uses.
/// </summary>
internal static class PickledModule
{
    /// <summary>True for an object that looks like a pickled nn.Module (its state has <c>_parameters</c>).</summary>
    public static bool IsModule(object? o) =>
        o is PickleObject { State: PickleDict state } && state.TryGet("_parameters", out var p) && p is PickleDict;

    /// <summary>The module's state dict (tensor records by dotted name); empty when it has no tensors.</summary>
    public static PickleDict StateDict(PickleObject module)
    {
        var result = new PickleDict();
        Add((PickleDict)module.State!, "", result, depth: 0);
        return result;
    }

    static void Add(PickleDict state, string prefix, PickleDict result, int depth)
    {
        if (depth > 256) throw new InvalidDataException("module nesting deeper than 256 levels");
        if (state.TryGet("_parameters", out var p) && p is PickleDict parameters)
            foreach (var (k, v) in parameters.Items)
                if (k is string name && v is TensorRecord or UnsupportedTensor) result.Set(prefix + name, v);
        var nonPersistent = state.TryGet("_non_persistent_buffers_set", out var np) && np is PickleSet set
            ? set.Items.OfType<string>().ToHashSet() : new HashSet<string>();
        if (state.TryGet("_buffers", out var b) && b is PickleDict buffers)
            foreach (var (k, v) in buffers.Items)
                if (k is string name && !nonPersistent.Contains(name) && v is TensorRecord or UnsupportedTensor) result.Set(prefix + name, v);
        if (state.TryGet("_modules", out var m) && m is PickleDict modules)
            foreach (var (k, v) in modules.Items)
                if (k is string name && v is PickleObject { State: PickleDict child }) Add(child, prefix + name + ".", result, depth + 1);
    }
}
