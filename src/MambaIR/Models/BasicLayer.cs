using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>The stack of VSSBlocks inside an RSSG (official <c>BasicLayer</c>; keys <c>blocks.{j}</c>).</summary>
public sealed class BasicLayer : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<VSSBlock> blocks;

    /// <param name="config">The network hyper-parameters.</param>
    /// <param name="depth">Number of blocks.</param>
    /// <param name="dropPath">Per-block stochastic-depth probabilities (length <paramref name="depth"/>), or null for none.</param>
    public BasicLayer(MambaIRConfig config, int depth, IReadOnlyList<double>? dropPath = null) : base(nameof(BasicLayer))
    {
        if (dropPath != null && dropPath.Count != depth) throw new ArgumentException($"{dropPath.Count} drop path rates for {depth} blocks", nameof(dropPath));
        blocks = new ModuleList<VSSBlock>(Enumerable.Range(0, depth).Select(j => new VSSBlock(config, dropPath?[j] ?? 0)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        // Each block's output is handed to the next block, which frees it once read (the layer's own input belongs to the caller).
        var input = x;
        foreach (var block in blocks)
            x = ReferenceEquals(x, input) ? block.forward(x) : block.ForwardConsuming(x);
        return x;
    }
}
