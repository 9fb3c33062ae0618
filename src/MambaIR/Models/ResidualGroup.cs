using MambaIR.Ops;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// Residual state-space group, RSSG (key <c>layers.{i}</c>), on (B, H, W, C) features:
/// out = conv(blocks(X)) + X, with the blocks under <c>residual_group.blocks.{j}</c> and the closing conv under <c>conv</c>.
/// </summary>
public sealed class ResidualGroup : nn.Module<Tensor, Tensor>
{
    private readonly BasicLayer residual_group;
    private readonly nn.Module<Tensor, Tensor> conv;

    /// <param name="config">The network hyper-parameters.</param>
    /// <param name="depth">Blocks in this group.</param>
    /// <param name="dropPath">Per-block stochastic-depth probabilities, or null for none (training only).</param>
    public ResidualGroup(MambaIRConfig config, int depth, IReadOnlyList<double>? dropPath = null) : base(nameof(ResidualGroup))
    {
        residual_group = new BasicLayer(config, depth, dropPath);
        conv = ResidualConv.Create(config.EmbedDim, config.ResiConnection);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor c;
        using (var blocks = residual_group.forward(x))
        using (var y = blocks.permute(0, 3, 1, 2))
            c = MixedPrecision.Run(conv.parameters().First(), y, t => conv is Sequential seq ? ModuleChain.Run(t, ModuleChain.Of(seq)) : conv.forward(t));
        using var cl = c.permute(0, 2, 3, 1);
        var sum = ScalarOne.Add(cl, x);
        c.Dispose();
        return sum.MoveToOuterDisposeScope();
    }
}
