using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models.V2;

/// <summary>
/// MambaIRv2 and MambaIRv2-light (official <c>basicsr/archs/mambairv2_arch.py</c> class <c>MambaIRv2</c> and
/// <c>mambairv2light_arch.py</c> class <c>MambaIRv2Light</c>), with the official state-dict names, including the
/// <c>relative_position_index_SA</c> buffer. <see cref="forward"/> takes images (B, in_chans, H, W) in [0, 1] of any
/// size and returns (B, in_chans, s·H, s·W): the input is mirror-padded to a multiple of the window size
/// (<see cref="MirrorPadding"/>), mean-subtracted and scaled by img_range, run through conv_first → ASSBs → norm →
/// conv_after_body (+ long skip) → upsampler, and the output is cropped back.
/// <para>Routing (<see cref="Routing"/>) is deterministic by default; the official code's stochastic Gumbel routing is
/// an option. Both train: the one-hot forward passes the softmax gradient straight through.</para>
/// </summary>
public sealed class MambaIRv2Net : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv_first;
    private readonly PatchEmbed patch_embed;
    private Tensor relative_position_index_SA;
    private readonly ModuleList<AttentiveGroup> layers;
    private readonly LayerNorm norm;
    private readonly nn.Module<Tensor, Tensor> conv_after_body;
    private readonly Sequential? conv_before_upsample;
    private readonly nn.Module<Tensor, Tensor>? upsample;
    private readonly Conv2d? conv_up1, conv_up2, conv_hr;
    private readonly Conv2d? conv_last;
    private readonly double[] mean;
    private readonly bool anyShifted;
    private MambaIRv2Routing routing = MambaIRv2Routing.Deterministic;
    private GumbelNoise? noise;

    /// <summary>The hyper-parameters this network was built with.</summary>
    public MambaIRv2Config Config { get; }

    public MambaIRv2Net(MambaIRv2Config config) : base(config.Architecture.ToString())
    {
        Config = config.Validate();
        long c = config.EmbedDim, cin = config.InChans, f = MambaIRv2Config.NumFeat;
        mean = cin == 3 ? MambaIRNet.RgbMean.ToArray() : new double[cin];
        conv_first = nn.Conv2d(cin, c, 3, padding: 1);
        patch_embed = new PatchEmbed(c, config.PatchNorm);
        relative_position_index_SA = WindowGeometry.RelativePositionIndex(config.WindowSize);
        layers = new ModuleList<AttentiveGroup>(config.Depths.Select((d, i) => new AttentiveGroup(config, d, config.NumHeads[i])).ToArray());
        anyShifted = layers.Any(l => l.HasShiftedLayers);
        norm = nn.LayerNorm(c);
        conv_after_body = ResidualConv.Create(c, config.ResiConnection);
        switch (config.Upsampler)
        {
            case Upsampler.PixelShuffle:
                conv_before_upsample = nn.Sequential(("0", nn.Conv2d(c, f, 3, padding: 1)), ("1", nn.LeakyReLU(0.01)));
                upsample = new Upsample(config.Upscale, f);
                conv_last = nn.Conv2d(f, cin, 3, padding: 1);
                break;
            case Upsampler.PixelShuffleDirect:
                upsample = new UpsampleOneStep(config.Upscale, c, cin);
                break;
            case Upsampler.NearestConv:
                conv_before_upsample = nn.Sequential(("0", nn.Conv2d(c, f, 3, padding: 1)), ("1", nn.LeakyReLU(0.01)));
                conv_up1 = nn.Conv2d(f, f, 3, padding: 1);
                conv_up2 = nn.Conv2d(f, f, 3, padding: 1);
                conv_hr = nn.Conv2d(f, f, 3, padding: 1);
                conv_last = nn.Conv2d(f, cin, 3, padding: 1);
                break;
            default:
                conv_last = nn.Conv2d(c, cin, 3, padding: 1);
                break;
        }
        RegisterComponents();
        InitWeights();
    }

    /// <summary>How the ASSMs route pixels to prompts (default <see cref="MambaIRv2Routing.Deterministic"/>). Setting a
    /// Gumbel routing (re)starts its generator from the seed.</summary>
    public MambaIRv2Routing Routing
    {
        get => routing;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            noise?.Dispose();
            noise = value.Mode == RoutingMode.Gumbel ? new GumbelNoise(value.Seed) : null;
            routing = value;
        }
    }

    /// <summary>Restores (B, in_chans, H, W) images in [0, 1]; returns (B, in_chans, s·H, s·W). A network converted to bfloat16
    /// or float16 also takes float32 images (converted to its type).</summary>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != Config.InChans)
            throw new ArgumentException($"{Config.Architecture} expects images (batch, {Config.InChans}, height, width), got ({string.Join(", ", x.shape)})");
        bool convert = MixedPrecision.IsFloat32ImageForReducedNetwork(x, conv_first.weight!);
        using var scope = NewDisposeScope();
        if (convert) x = x.to(conv_first.weight!.dtype);
        long h0 = x.shape[2], w0 = x.shape[3];
        x = MirrorPadding.ToMultiple(x, Config.WindowSize);
        long h = x.shape[2], w = x.shape[3];
        var meanT = tensor(mean, dtype: x.dtype, device: x.device).view(1, -1, 1, 1);
        // Explicit, disposed scalars: TorchSharp's implicit double→Scalar temporaries can be finalised during the
        // native call under GC pressure ("Unknown scalar type"; the same fix as SS2D's).
        using var range = Config.ImgRange.ToScalar();
        x = (x - meanT).mul_(range);
        var windows = WindowPlan.Create(h, w, Config.WindowSize, 0, x.dtype, x.device);
        var shifted = anyShifted ? WindowPlan.Create(h, w, Config.WindowSize, Config.ShiftSize, x.dtype, x.device) : null;
        var ctx = new V2ForwardContext(h, w, relative_position_index_SA, windows, shifted, noise);

        Tensor y;
        if (Config.Upsampler == Upsampler.None)
        {
            var first = conv_first.forward(x);
            y = x + conv_last!.forward(conv_after_body.forward(ForwardFeatures(first, ctx)) + first);
        }
        else
        {
            var first = conv_first.forward(x);
            var body = conv_after_body.forward(ForwardFeatures(first, ctx)) + first;
            y = Config.Upsampler switch
            {
                Upsampler.PixelShuffle => conv_last!.forward(upsample!.forward(conv_before_upsample!.forward(body))),
                Upsampler.PixelShuffleDirect => upsample!.forward(body),
                _ => NearestConvHead(body),
            };
        }
        y = y.div(range).add_(meanT);
        int s = Config.Scale;
        return y.narrow(2, 0, h0 * s).narrow(3, 0, w0 * s).MoveToOuterDisposeScope();
    }

    /// <summary>(B, C, H, W) shallow features → deep features (B, C, H, W), before conv_after_body.</summary>
    Tensor ForwardFeatures(Tensor x, V2ForwardContext ctx)
    {
        var t = patch_embed.forward(TokenLayout.AsTokens(x));   // (B, H·W, C), raster order
        foreach (var layer in layers) t = layer.Forward(t, ctx);
        return TokenLayout.AsImage(norm.forward(t), ctx.Height, ctx.Width);
    }

    /// <summary>'nearest+conv': conv_before_upsample, two (nearest ×2, conv, LeakyReLU 0.2) steps, conv_hr + LeakyReLU 0.2, conv_last.</summary>
    Tensor NearestConvHead(Tensor body)
    {
        static Tensor Up(Tensor t) => nn.functional.interpolate(t, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        static Tensor LRelu(Tensor t) => nn.functional.leaky_relu(t, 0.2);
        var y = conv_before_upsample!.forward(body);
        y = LRelu(conv_up1!.forward(Up(y)));
        y = LRelu(conv_up2!.forward(Up(y)));
        return conv_last!.forward(LRelu(conv_hr!.forward(y)));
    }

    /// <summary>The official <c>_init_weights</c>: Linear weights ~ trunc-normal(std 0.02) with zero bias, LayerNorm weight
    /// 1 and bias 0 (relevant only when training from scratch; loading a checkpoint overwrites everything).</summary>
    void InitWeights()
    {
        using var _ = no_grad();
        foreach (var m in modules())
        {
            if (m is Linear lin)
            {
                nn.init.trunc_normal_(lin.weight, std: 0.02);
                if (lin.bias is { } bias) nn.init.zeros_(bias);
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) noise?.Dispose();
        base.Dispose(disposing);
    }
}
