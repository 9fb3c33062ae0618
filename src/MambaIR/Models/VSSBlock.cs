using MambaIR.Ops;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// Visual state-space block (key <c>layers.{i}.residual_group.blocks.{j}</c>), on (B, H, W, C) features:
/// U = X ⊙ skip_scale + DropPath(SS2D(ln_1(X)));  Y = U ⊙ skip_scale2 + CAB(ln_2(U)). DropPath (stochastic depth,
/// <see cref="Models.DropPath"/>) acts only in training mode and is the identity at inference.
/// </summary>
public sealed class VSSBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm ln_1;
    private readonly SS2D self_attention;
    private Parameter skip_scale;
    private readonly ChannelAttentionBlock conv_blk;
    private readonly LayerNorm ln_2;
    private Parameter skip_scale2;
    private readonly double dropPathRate;

    /// <param name="config">The network hyper-parameters.</param>
    /// <param name="dropPath">This block's stochastic-depth probability (training only; see <see cref="DropPath.Rates"/>).</param>
    public VSSBlock(MambaIRConfig config, double dropPath = 0) : base(nameof(VSSBlock))
    {
        if (!(dropPath >= 0 && dropPath < 1)) throw new ArgumentOutOfRangeException(nameof(dropPath), dropPath, "drop path probability must be in [0, 1)");
        dropPathRate = dropPath;
        long c = config.EmbedDim;
        ln_1 = nn.LayerNorm(c);
        self_attention = new SS2D(c, config.DState, config.DInner, config.DtRank);
        skip_scale = new Parameter(ones(c));
        conv_blk = new ChannelAttentionBlock(c, config.CabLayout);
        ln_2 = nn.LayerNorm(c);
        skip_scale2 = new Parameter(ones(c));
        RegisterComponents();
    }

    /// <summary>Converted to bfloat16 or float16, the block keeps its LayerNorms and skip scales in float32 and its residual
    /// stream in its input's type; SS2D and the CAB run in the reduced type (<see cref="MixedPrecision"/>).</summary>
    protected override nn.Module _to(ScalarType dtype, bool non_blocking) => KeepingStreamInFloat32(dtype, () => base._to(dtype, non_blocking));

    protected override nn.Module _to(Device device, ScalarType dtype, bool non_blocking) => KeepingStreamInFloat32(dtype, () => base._to(device, dtype, non_blocking));

    /// <summary>Runs libtorch's conversion (<paramref name="convert"/>), then puts the norms and skip scales back in float32 for a reduced type.</summary>
    nn.Module KeepingStreamInFloat32(ScalarType dtype, Action convert)
    {
        var keep = MixedPrecision.Keep(dtype, [ln_1, ln_2], skip_scale, skip_scale2);
        convert();
        if (keep is null) return this;
        var loose = MixedPrecision.Restore(keep, [ln_1, ln_2]);
        skip_scale = MixedPrecision.Float32Parameter(loose[0], skip_scale);
        skip_scale2 = MixedPrecision.Float32Parameter(loose[1], skip_scale2);
        ConditionallyRegisterParameter(nameof(skip_scale), skip_scale);
        ConditionallyRegisterParameter(nameof(skip_scale2), skip_scale2);
        return this;
    }

    /// <summary>The type of the residual stream the block expects: its parameters' type, or float32 when it was converted to a
    /// reduced type (<see cref="MixedPrecision"/>).</summary>
    public ScalarType ResidualType => skip_scale.dtype;

    Tensor BranchWeight => self_attention.InputWeight;

    public override Tensor forward(Tensor x) => Forward(x, consume: false);

    /// <summary>forward(<paramref name="x"/>), freeing <paramref name="x"/> (handed over by the caller) as soon as the block
    /// has read it for the first residual sum, rather than when the block returns.</summary>
    public Tensor ForwardConsuming(Tensor x) => Forward(x, consume: true);

    Tensor Forward(Tensor x, bool consume)
    {
        // A scope per block frees its intermediates as soon as it returns; each is also freed as soon as it has been read
        // (autograd keeps what backward needs). Without autograd the sums run in place.
        using var scope = NewDisposeScope();
        bool inPlace = !(is_grad_enabled() && (x.requires_grad || parameters().Any(p => p.requires_grad)));
        Tensor u;
        bool mixed = BranchWeight.dtype != x.dtype; // the branches run in another type than the residual stream
        if (mixed) using (var normed = ln_1.forward(x)) u = MixedPrecision.Run(BranchWeight, normed, self_attention.forward);
        else if (inPlace) u = self_attention.ForwardNormalising(x, ln_1);
        else using (var normed = ln_1.forward(x)) u = self_attention.forward(normed);
        var dropped = DropPath.Apply(u, dropPathRate, training);
        if (!ReferenceEquals(dropped, u)) { u.Dispose(); u = dropped; }
        if (inPlace) u.addcmul_(x, skip_scale, 1);
        else { var sum = ScalarOne.Add(x * skip_scale, u); u.Dispose(); u = sum; }
        if (consume) x.Dispose();
        // The CAB convolutions run on the channels-last memory of ln_2's output (no NCHW copy); their output permuted
        // back is (B, H, W, C) in memory order again. ln_2's output is freed once the first convolution has read it.
        Tensor cab;
        var normed2 = ln_2.forward(u);
        var cl = normed2.permute(0, 3, 1, 2);
        normed2.Dispose();
        using (var c = MixedPrecision.Run(BranchWeight, cl, conv_blk.ForwardConsuming))
            cab = c.permute(0, 2, 3, 1);
        Tensor y;
        if (inPlace && cab.is_contiguous()) y = cab.addcmul_(u, skip_scale2, 1);
        else { y = ScalarOne.Add(u * skip_scale2, cab).contiguous(); cab.Dispose(); }
        u.Dispose();
        return y.MoveToOuterDisposeScope();
    }
}
