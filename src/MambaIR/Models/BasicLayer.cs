using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>The stack of VSSBlocks inside an RSSG (official <c>BasicLayer</c>; keys <c>blocks.{j}</c>).</summary>
public sealed class BasicLayer : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<VSSBlock> blocks;

    public BasicLayer(MambaIRConfig config, int depth) : base(nameof(BasicLayer))
    {
        blocks = new ModuleList<VSSBlock>(Enumerable.Range(0, depth).Select(_ => new VSSBlock(config)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        // Each block's output is freed once the next block has returned (the layer's own input belongs to the caller).
        var input = x;
        foreach (var block in blocks)
        {
            var next = block.forward(x);
            if (!ReferenceEquals(x, input)) x.Dispose();
            x = next;
        }
        return x;
    }
}
