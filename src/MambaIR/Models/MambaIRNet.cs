using MambaIR.Ops;
using MambaIR.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// The MambaIR v1 network (official <c>basicsr/archs/mambair_arch.py</c> class <c>MambaIR</c>), with the official
/// state-dict names. <see cref="forward"/> takes images (B, in_chans, H, W) in [0, 1] of any size and returns
/// (B, in_chans, s·H, s·W); mean subtraction and <c>img_range</c> are applied inside, as in the official code:
/// conv_first → RSSGs → norm → conv_after_body (+ long skip) → upsampler.
/// </summary>
public sealed class MambaIRNet : nn.Module<Tensor, Tensor>
{
    /// <summary>DIV2K RGB mean subtracted by the official code for 3-channel models (0 for other channel counts). The official
    /// code keeps it as a float32 tensor and casts it to the input's dtype, so these are the float32 roundings.</summary>
    public static IReadOnlyList<double> RgbMean { get; } = new double[] { 0.4488f, 0.4371f, 0.4040f };

    private readonly Conv2d conv_first;
    private readonly PatchEmbed patch_embed;
    private readonly ModuleList<ResidualGroup> layers;
    private readonly LayerNorm norm;
    private readonly nn.Module<Tensor, Tensor> conv_after_body;
    private readonly Sequential? conv_before_upsample;
    private readonly nn.Module<Tensor, Tensor>? upsample;
    private readonly Conv2d? conv_last;
    private readonly double[] mean;

    /// <summary>The hyper-parameters this network was built with.</summary>
    public MambaIRConfig Config { get; }

    /// <summary>The stochastic-depth rate the network was built with (official <c>drop_path_rate</c>; only acts in training mode).</summary>
    public double DropPathRate { get; }

    /// <param name="config">The architecture.</param>
    /// <param name="dropPathRate">Official <c>drop_path_rate</c>: block rates are <c>linspace(0, rate, sum(depths))</c>
    /// (<see cref="DropPath.Rates"/>). It only changes training-mode forwards; the official default is 0.1, which the
    /// trainer uses; 0 (no stochastic depth) is the default here, where the network is mostly used for inference.</param>
    public MambaIRNet(MambaIRConfig config, double dropPathRate = 0) : base("MambaIR")
    {
        Config = config.Validate();
        if (!(dropPathRate >= 0 && dropPathRate < 1)) throw new ArgumentOutOfRangeException(nameof(dropPathRate), dropPathRate, "drop_path_rate must be in [0, 1)");
        DropPathRate = dropPathRate;
        var rates = DropPath.Rates(dropPathRate, config.Depths);
        long c = config.EmbedDim, cin = config.InChans;
        mean = cin == 3 ? RgbMean.ToArray() : new double[cin];
        conv_first = nn.Conv2d(cin, c, 3, padding: 1);
        patch_embed = new PatchEmbed(c, config.PatchNorm);
        layers = new ModuleList<ResidualGroup>(config.Depths.Select((d, i) =>
            new ResidualGroup(config, d, rates.Skip(config.Depths.Take(i).Sum()).Take(d).ToArray())).ToArray());
        norm = nn.LayerNorm(c);
        conv_after_body = ResidualConv.Create(c, config.ResiConnection);
        switch (config.Upsampler)
        {
            case Upsampler.PixelShuffle:
                conv_before_upsample = nn.Sequential(("0", nn.Conv2d(c, MambaIRConfig.NumFeat, 3, padding: 1)), ("1", nn.LeakyReLU(0.01)));
                upsample = new Upsample(config.Upscale, MambaIRConfig.NumFeat);
                conv_last = nn.Conv2d(MambaIRConfig.NumFeat, cin, 3, padding: 1);
                break;
            case Upsampler.PixelShuffleDirect:
                upsample = new UpsampleOneStep(config.Upscale, c, cin);
                break;
            default:
                conv_last = nn.Conv2d(c, cin, 3, padding: 1);
                break;
        }
        RegisterComponents();
        InitWeights();
    }

    /// <summary>Restores (B, in_chans, H, W) images in [0, 1]; returns (B, in_chans, s·H, s·W). A network converted to bfloat16
    /// or float16 also takes float32 images (converted to its type).</summary>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != Config.InChans)
            throw new ArgumentException($"MambaIR expects images (batch, {Config.InChans}, height, width), got ({string.Join(", ", x.shape)})");
        // Converted to a reduced type, the network takes float32 images and keeps its residual stream in float32.
        var w = conv_first.weight!;
        MixedPrecision.IsFloat32ImageForReducedNetwork(x, w);
        using var scope = NewDisposeScope();
        Tensor ConvFirst(Tensor t) => MixedPrecision.Run(w, t, conv_first.forward);
        Tensor AfterBody(Tensor t) => MixedPrecision.Run(w, t, conv_after_body.forward);
        var meanT = tensor(mean, dtype: x.dtype, device: x.device).view(1, -1, 1, 1);
        x = (x - meanT) * Config.ImgRange;
        // Without autograd, the shallow features are freed after the first group and computed again for the long skip
        // (a 3×3 conv from the input channels: cheap), and every intermediate is freed once read.
        bool lean = !(is_grad_enabled() && (x.requires_grad || parameters().Any(p => p.requires_grad)));
        Tensor body;
        if (lean)
        {
            Tensor features;
            using (var shallow = ConvFirst(x)) features = ForwardFeatures(shallow, lean: true);
            using (features)
            using (var deep = AfterBody(features))
            using (var shallow = ConvFirst(x))
                body = ScalarOne.Add(deep, shallow);
        }
        else
        {
            var first = ConvFirst(x);
            body = ScalarOne.Add(AfterBody(ForwardFeatures(first, lean: false)), first);
        }
        Tensor y = MixedPrecision.Run(w, body, b => Config.Upsampler switch
        {
            Upsampler.PixelShuffle => ModuleChain.Run(b, new[] { conv_before_upsample!, upsample!, conv_last! }),
            Upsampler.PixelShuffleDirect => upsample!.forward(b),
            _ => conv_last!.forward(b),
        });
        if (Config.Upsampler is not (Upsampler.PixelShuffle or Upsampler.PixelShuffleDirect)) y = ScalarOne.Add(x, y);
        body.Dispose();
        return (y / Config.ImgRange + meanT).MoveToOuterDisposeScope();
    }

    /// <summary>Converted to bfloat16 or float16, the network keeps the residual stream's LayerNorms (patch_embed's, norm)
    /// in float32 (<see cref="MixedPrecision"/>; the blocks keep theirs).</summary>
    protected override nn.Module _to(ScalarType dtype, bool non_blocking) => KeepingNormsInFloat32(dtype, () => base._to(dtype, non_blocking));

    protected override nn.Module _to(Device device, ScalarType dtype, bool non_blocking) => KeepingNormsInFloat32(dtype, () => base._to(device, dtype, non_blocking));

    /// <summary>Runs libtorch's conversion (<paramref name="convert"/>), then puts the two norms back in float32 for a reduced type.</summary>
    nn.Module KeepingNormsInFloat32(ScalarType dtype, Action convert)
    {
        var keep = MixedPrecision.Keep(dtype, [patch_embed, norm]);
        convert();
        if (keep is not null) MixedPrecision.Restore(keep, [patch_embed, norm]);
        return this;
    }

    /// <summary>Free heap memory kept between residual groups without being returned to the system.</summary>
    const long FreeHeapKeptBytes = 256L << 20;

    /// <summary>(B, C, H, W) shallow features → deep features (B, C, H, W), before conv_after_body. Each group's output is
    /// freed once the next group has returned; with <paramref name="lean"/> (no autograd), <paramref name="x"/> too, after the
    /// first, and the heap's free pages go back to the system after each group once more than <see cref="FreeHeapKeptBytes"/>
    /// are free: the process keeps freed tensors for reuse (<see cref="GlibcHeap"/>), and returning them once per group bounds
    /// what fragmentation adds to the live tensors (measured, light ×2 at 512×512: 5.4 → 3.9 KiB per pixel, for 0.5 → 5.4 %
    /// system time), while small images keep their heap.</summary>
    Tensor ForwardFeatures(Tensor x, bool lean)
    {
        var tokens = x.permute(0, 2, 3, 1);                    // tokens in raster order, viewed as (B, H, W, C)
        var t = patch_embed.forward(tokens);
        // A view left to the dispose scope would keep the shallow features' memory alive.
        if (!ReferenceEquals(t, tokens)) tokens.Dispose();
        bool onCpu = x.device_type == DeviceType.CPU;
        // With patch_norm, t is a new tensor and the shallow features are not needed until the long skip.
        bool freeInput = lean;
        if (lean && Config.PatchNorm) { x.Dispose(); freeInput = false; }
        foreach (var layer in layers)
        {
            // call (not forward) runs the group's hooks: data-parallel training marks each group's input to reduce its
            // gradients while the backward goes on (OverlappedGradientAveraging).
            var next = layer.call(t);
            t.Dispose();
            if (freeInput) x.Dispose();
            freeInput = false;
            t = next;
            if (lean && onCpu) GlibcHeap.ReleaseFreeMemoryAbove(FreeHeapKeptBytes);
        }
        using (t)
        using (var normed = norm.forward(t))
            return normed.permute(0, 3, 1, 2);
    }

    /// <summary>The official <c>_init_weights</c>: Linear weights ~ trunc-normal(std 0.02), LayerNorm weight 1 and bias 0
    /// (only relevant when training from scratch; loading a checkpoint overwrites everything).</summary>
    void InitWeights()
    {
        using var _ = no_grad();
        foreach (var m in modules())
        {
            if (m is Linear lin) nn.init.trunc_normal_(lin.weight, std: 0.02);
        }
    }
}
