using static TorchSharp.torch;

namespace MambaIR.Checkpoints;

/// <summary>
/// A module's state dict in PyTorch's order: <c>Module.state_dict</c> visits a module's own parameters, then its own
/// persistent buffers, then each child in registration order. TorchSharp lists a module's own buffers after its
/// children, which moves, e.g., MambaIRv2's top-level <c>relative_position_index_SA</c> from the first key to a later
/// one; saving in PyTorch's order makes a checkpoint written here list its keys as the official code's does.
/// </summary>
public static class StateDictOrder
{
    /// <summary>The entries of <paramref name="module"/>'s state dict, in PyTorch's order.</summary>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> Of(nn.Module module)
    {
        var state = module.state_dict();
        var order = new List<string>();
        Visit(module, "", order);
        var result = new List<KeyValuePair<string, Tensor>>(state.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var k in order)
            if (state.TryGetValue(k, out var t) && seen.Add(k)) result.Add(new(k, t));
        // Anything the walk did not name keeps TorchSharp's order, after the rest (none in this project's networks).
        foreach (var (k, t) in state)
            if (seen.Add(k)) result.Add(new(k, t));
        return result;
    }

    static void Visit(nn.Module m, string prefix, List<string> order)
    {
        foreach (var (name, _) in m.named_parameters(recurse: false)) order.Add(prefix + name);
        foreach (var (name, _) in m.named_buffers(recurse: false)) order.Add(prefix + name);
        foreach (var (name, child) in m.named_children()) Visit(child, prefix + name + ".", order);
    }
}
