using MambaIR.Ops;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models.V2;

/// <summary>What every attentive layer of one forward shares: the padded feature size, the relative position index,
/// the window plans (plain and shifted, the latter with the shifted-window masks) and the routing noise.</summary>
internal sealed record V2ForwardContext(long Height, long Width, Tensor RelativePositionIndex, WindowPlan Windows, WindowPlan? ShiftedWindows,
    GumbelNoise? Noise);

/// <summary>
/// MambaIRv2's attentive layer (key <c>layers.{i}.residual_group.layers.{j}</c>) on (B, H·W, C) tokens X:
/// <code>
/// S = X;  A = WindowMSA(wqkv(norm1(X)))  (windows shifted by ws/2 in odd layers);  Xw = A + S;  Xw = FFN1(norm2(Xw)) + Xw;
/// X1 = S ⊙ scale1 + Xw
/// S = X1; Xa = ASSM(norm3(X1)) + X1;  Xb = Xa + FFN2(norm4(Xa));  out = S ⊙ scale2 + Xb
/// </code>
/// scale1/scale2 start at 1e-4; FFN is the ConvFFN (MambaIRv2) or the GatedMLP (MambaIRv2-light).
/// </summary>
public sealed class AttentiveLayer : nn.Module
{
    private readonly LayerNorm norm1, norm2, norm3, norm4;
    private readonly Parameter scale1, scale2;
    private readonly Linear wqkv;
    private readonly WindowAttention win_mhsa;
    private readonly AttentiveStateSpace assm;
    private readonly FeedForward convffn1, convffn2;
    private readonly Embedding embeddingA;
    private readonly long windowSize, shiftSize;

    /// <param name="config">The network.</param>
    /// <param name="numHeads">Heads of this group.</param>
    /// <param name="shifted">Whether this layer's windows are shifted (odd layers of a group).</param>
    public AttentiveLayer(MambaIRv2Config config, int numHeads, bool shifted) : base(nameof(AttentiveLayer))
    {
        long c = config.EmbedDim;
        windowSize = config.WindowSize;
        shiftSize = shifted ? config.ShiftSize : 0;
        norm1 = nn.LayerNorm(c); norm2 = nn.LayerNorm(c); norm3 = nn.LayerNorm(c); norm4 = nn.LayerNorm(c);
        scale1 = new Parameter(full(c, 1e-4));
        scale2 = new Parameter(full(c, 1e-4));
        wqkv = nn.Linear(c, 3 * c, hasBias: config.QkvBias);
        win_mhsa = new WindowAttention(c, config.WindowSize, numHeads);
        assm = new AttentiveStateSpace(config);
        convffn1 = config.Light ? new GatedMlp(c, config.Hidden) : new ConvFfn(c, config.Hidden, config.ConvFfnKernelSize);
        convffn2 = config.Light ? new GatedMlp(c, config.Hidden) : new ConvFfn(c, config.Hidden, config.ConvFfnKernelSize);
        embeddingA = nn.Embedding(config.InnerRank, config.DState);
        using (no_grad()) embeddingA.weight!.uniform_(-1.0 / config.InnerRank, 1.0 / config.InnerRank);
        RegisterComponents();
    }

    /// <summary>True for the layers whose windows are shifted.</summary>
    public bool Shifted => shiftSize > 0;

    internal Tensor Forward(Tensor x, V2ForwardContext ctx)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], c = x.shape[2], h = ctx.Height, w = ctx.Width, ws = windowSize;

        // Part 1: (shifted) window attention + FFN. LayerNorm, wqkv and proj act per token, so the tokens are put in
        // (rolled) window order first and back after proj: the same values as the official roll, partition, reverse, roll.
        var shortcut = x;
        var plan = shiftSize > 0 ? ctx.ShiftedWindows! : ctx.Windows;
        var windows = TokenLinear.Forward(wqkv, norm1.forward(x.index_select(1, plan.Order))).view(-1, ws * ws, 3 * c);
        var attn = win_mhsa.Forward(windows, ctx.RelativePositionIndex, plan);
        var xWin = ScalarOne.Add(attn.view(b, n, c).index_select(1, plan.Inverse), shortcut);
        xWin = ScalarOne.Add(convffn1.Forward(norm2.forward(xWin), h, w), xWin);
        x = ScalarOne.Add(shortcut * scale1, xWin);

        // Part 2: attentive state space + FFN.
        shortcut = x;
        var xAca = ScalarOne.Add(assm.Forward(norm3.forward(x), h, w, embeddingA.weight!, ctx.Noise), x);
        x = ScalarOne.Add(xAca, convffn2.Forward(norm4.forward(xAca), h, w));
        return ScalarOne.Add(shortcut * scale2, x).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// MambaIRv2's attentive state-space group, ASSB (key <c>layers.{i}</c>), on (B, H·W, C) tokens:
/// out = conv(layers(X) as an image) + X; the layers under <c>residual_group.layers.{j}</c> (shift 0 for even j,
/// ws/2 for odd j), the closing conv under <c>conv</c>.
/// </summary>
public sealed class AttentiveGroup : nn.Module<Tensor, Tensor>
{
    private readonly LayerStack residual_group;
    private readonly nn.Module<Tensor, Tensor> conv;

    public AttentiveGroup(MambaIRv2Config config, int depth, int numHeads) : base(nameof(AttentiveGroup))
    {
        residual_group = new LayerStack(config, depth, numHeads);
        conv = ResidualConv.Create(config.EmbedDim, config.ResiConnection);
        RegisterComponents();
    }

    /// <summary>Whether any layer of the group uses shifted windows (depth ≥ 2).</summary>
    public bool HasShiftedLayers => residual_group.HasShiftedLayers;

    /// <summary>The forward's shared state, set by the network around its call of the group (<see cref="Forward"/>).</summary>
    V2ForwardContext? _context;

    /// <summary><see cref="forward"/> with <paramref name="ctx"/>, invoked through <c>call</c> so that the group's hooks run
    /// (data-parallel training reduces each group's gradients during the backward, OverlappedGradientAveraging).</summary>
    internal Tensor Forward(Tensor x, V2ForwardContext ctx)
    {
        _context = ctx;
        try { return call(x); }
        finally { _context = null; }
    }

    public override Tensor forward(Tensor x)
    {
        var ctx = _context ?? throw new InvalidOperationException("an attentive group runs inside MambaIRv2's forward, which passes it the window plans");
        using var scope = NewDisposeScope();
        var y = TokenLayout.AsImage(residual_group.Forward(x, ctx), ctx.Height, ctx.Width);
        return ScalarOne.Add(TokenLayout.AsTokens(conv.forward(y)), x).MoveToOuterDisposeScope();
    }

    /// <summary>The official <c>BasicBlock</c>: the attentive layers, key <c>layers.{j}</c>.</summary>
    sealed class LayerStack : nn.Module
    {
        private readonly ModuleList<AttentiveLayer> layers;

        public LayerStack(MambaIRv2Config config, int depth, int numHeads) : base(nameof(LayerStack))
        {
            layers = new ModuleList<AttentiveLayer>(Enumerable.Range(0, depth).Select(j => new AttentiveLayer(config, numHeads, shifted: j % 2 == 1)).ToArray());
            RegisterComponents();
        }

        public bool HasShiftedLayers => layers.Any(l => l.Shifted);

        public Tensor Forward(Tensor x, V2ForwardContext ctx)
        {
            foreach (var layer in layers) x = layer.Forward(x, ctx);
            return x;
        }
    }
}
