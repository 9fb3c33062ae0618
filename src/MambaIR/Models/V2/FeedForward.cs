using MambaIR.Ops;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models.V2;

/// <summary>A feed-forward layer of an attentive layer (keys <c>convffn1</c>, <c>convffn2</c>) on (B, H·W, C) tokens in raster order.</summary>
public abstract class FeedForward : nn.Module
{
    protected FeedForward(string name) : base(name) { }

    /// <summary>(B, H·W, C) → (B, H·W, C) for an H × W feature map.</summary>
    public abstract Tensor Forward(Tensor x, long h, long w);
}

/// <summary>
/// MambaIRv2's ConvFFN: h = GELU(fc1(x)); fc2(h + GELU(DWConv_k(h))), the depthwise k×k conv with bias and padding
/// (k−1)/2. Keys <c>fc1</c>, <c>dwconv.depthwise_conv.0</c>, <c>fc2</c>.
/// </summary>
public sealed class ConvFfn : FeedForward
{
    private readonly Linear fc1;
    private readonly DepthwiseConv dwconv;
    private readonly Linear fc2;

    public ConvFfn(long dim, long hidden, long kernelSize) : base(nameof(ConvFfn))
    {
        fc1 = nn.Linear(dim, hidden);
        dwconv = new DepthwiseConv(hidden, kernelSize);
        fc2 = nn.Linear(hidden, dim);
        RegisterComponents();
    }

    public override Tensor Forward(Tensor x, long h, long w)
    {
        using var scope = NewDisposeScope();
        var hid = nn.functional.gelu(TokenLinear.Forward(fc1, x));
        // (B, L, C) memory seen as (B, C, H, W) channels-last: the conv runs without a transposed copy.
        var img = TokenLayout.AsImage(hid, h, w);
        var conv = TokenLayout.AsTokens(dwconv.forward(img));
        return TokenLinear.Forward(fc2, ScalarOne.Add(hid, conv)).MoveToOuterDisposeScope();
    }

    /// <summary>The official <c>dwconv</c> module: <c>depthwise_conv</c> = [Conv2d k×k groups=C, GELU].</summary>
    sealed class DepthwiseConv : nn.Module<Tensor, Tensor>
    {
        private readonly Sequential depthwise_conv;

        public DepthwiseConv(long channels, long kernelSize) : base(nameof(DepthwiseConv))
        {
            depthwise_conv = nn.Sequential(
                ("0", nn.Conv2d(channels, channels, kernelSize, padding: (kernelSize - 1) / 2, groups: channels)),
                ("1", nn.GELU()));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => depthwise_conv.forward(x);
    }
}

/// <summary>
/// MambaIRv2-light's GatedMLP: h = GELU(fc1(x)) split in halves h1 | h2; fc2(h1 ⊙ DWConv5×5(LayerNorm(h2))), the
/// gate's conv with bias and no activation. Keys <c>fc1</c>, <c>sg.norm</c>, <c>sg.conv</c>, <c>fc2</c>.
/// </summary>
public sealed class GatedMlp : FeedForward
{
    private readonly Linear fc1;
    private readonly Gate sg;
    private readonly Linear fc2;

    public GatedMlp(long dim, long hidden) : base(nameof(GatedMlp))
    {
        fc1 = nn.Linear(dim, hidden);
        sg = new Gate(hidden / 2);
        fc2 = nn.Linear(hidden / 2, dim);
        RegisterComponents();
    }

    public override Tensor Forward(Tensor x, long h, long w)
    {
        using var scope = NewDisposeScope();
        var hid = nn.functional.gelu(TokenLinear.Forward(fc1, x));
        return TokenLinear.Forward(fc2, sg.Forward(hid, h, w)).MoveToOuterDisposeScope();
    }

    /// <summary>The official <c>Gate</c>: <c>norm</c> = LayerNorm(C/2), <c>conv</c> = DWConv 5×5 (pad 2, bias).</summary>
    sealed class Gate : nn.Module
    {
        private readonly LayerNorm norm;
        private readonly Conv2d conv;
        private readonly long half;

        public Gate(long half) : base(nameof(Gate))
        {
            this.half = half;
            norm = nn.LayerNorm(half);
            conv = nn.Conv2d(half, half, 5, padding: 2, groups: half);
            RegisterComponents();
        }

        public Tensor Forward(Tensor x, long h, long w)
        {
            using var scope = NewDisposeScope();
            var parts = x.chunk(2, -1);
            var g = TokenLayout.AsTokens(conv.forward(TokenLayout.AsImage(norm.forward(parts[1]), h, w)));
            return (parts[0] * g).MoveToOuterDisposeScope();
        }
    }
}
