using MambaIR.Ops;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models.UNet;

/// <summary>
/// The real-image denoising U-Net of MambaIR (official <c>realDenoising/basicsr/models/archs/mambairunet_arch.py</c>
/// class <c>MambaIRUNet</c>, Restormer's layout with MambaIR's VSSBlocks and classic CABs), with the official
/// state-dict names:
/// <code>
/// patch_embed.proj (3×3, no bias) → encoder_level1 (dim) → down1_2 → encoder_level2 (2·dim) → down2_3 → encoder_level3 (4·dim)
/// → down3_4 → latent (8·dim) → up4_3 ⧺ enc3 → reduce_chan_level3 (1×1) → decoder_level3 → up3_2 ⧺ enc2 → reduce_chan_level2
/// → decoder_level2 → up2_1 ⧺ enc1 (2·dim, no reduction) → decoder_level1 → refinement → output (3×3) + input image
/// </code>
/// Downsampling is Conv3×3 C→C/2 then PixelUnshuffle(2), upsampling Conv3×3 C→2C then PixelShuffle(2), both without
/// bias; no mean subtraction. The official network needs sides divisible by 8; here any size works: the input is
/// mirror-padded to a multiple of 8 (<see cref="MirrorPadding"/>, as MambaIRv2 pads) and the output cropped back.
/// </summary>
public sealed class MambaIRUNet : nn.Module<Tensor, Tensor>
{
    private readonly OverlapPatchEmbed patch_embed;
    private readonly ModuleList<VSSBlock> encoder_level1;
    private readonly Resample down1_2;
    private readonly ModuleList<VSSBlock> encoder_level2;
    private readonly Resample down2_3;
    private readonly ModuleList<VSSBlock> encoder_level3;
    private readonly Resample down3_4;
    private readonly ModuleList<VSSBlock> latent;
    private readonly Resample up4_3;
    private readonly Conv2d reduce_chan_level3;
    private readonly ModuleList<VSSBlock> decoder_level3;
    private readonly Resample up3_2;
    private readonly Conv2d reduce_chan_level2;
    private readonly ModuleList<VSSBlock> decoder_level2;
    private readonly Resample up2_1;
    private readonly ModuleList<VSSBlock> decoder_level1;
    private readonly ModuleList<VSSBlock> refinement;
    private readonly Conv2d? skip_conv;
    private readonly Conv2d output;

    /// <summary>The hyper-parameters this network was built with.</summary>
    public MambaIRUNetConfig Config { get; }

    public MambaIRUNet(MambaIRUNetConfig config) : base(nameof(MambaIRUNet))
    {
        Config = config.Validate();
        var nb = config.NumBlocks;
        bool bias = config.Bias;
        patch_embed = new OverlapPatchEmbed(config.InpChannels, config.Width(0));
        encoder_level1 = Blocks(config, config.Width(0), nb[0]);
        down1_2 = Resample.Down(config.Width(0));
        encoder_level2 = Blocks(config, config.Width(1), nb[1]);
        down2_3 = Resample.Down(config.Width(1));
        encoder_level3 = Blocks(config, config.Width(2), nb[2]);
        down3_4 = Resample.Down(config.Width(2));
        latent = Blocks(config, config.Width(3), nb[3]);
        up4_3 = Resample.Up(config.Width(3));
        reduce_chan_level3 = nn.Conv2d(config.Width(3), config.Width(2), 1, bias: bias);
        decoder_level3 = Blocks(config, config.Width(2), nb[2]);
        up3_2 = Resample.Up(config.Width(2));
        reduce_chan_level2 = nn.Conv2d(config.Width(2), config.Width(1), 1, bias: bias);
        decoder_level2 = Blocks(config, config.Width(1), nb[1]);
        up2_1 = Resample.Up(config.Width(1));
        decoder_level1 = Blocks(config, config.Width(1), nb[0]);
        refinement = Blocks(config, config.Width(1), config.NumRefinementBlocks);
        if (config.DualPixelTask) skip_conv = nn.Conv2d(config.Width(0), config.Width(1), 1, bias: bias);
        output = nn.Conv2d(config.Width(1), config.OutChannels, 3, padding: 1, bias: bias);
        RegisterComponents();
    }

    /// <summary>VSSBlocks of width <paramref name="c"/>: MambaIR v1's block (SS2D + classic CAB), d_state and expand from the config.</summary>
    static ModuleList<VSSBlock> Blocks(MambaIRUNetConfig config, int c, int count)
    {
        var block = new MambaIRConfig { EmbedDim = c, DState = config.DState, MlpRatio = config.MlpRatio, Upsampler = Upsampler.None, Upscale = 1 };
        return new ModuleList<VSSBlock>(Enumerable.Range(0, count).Select(_ => new VSSBlock(block)).ToArray());
    }

    /// <summary>Denoises (B, inp_channels, H, W) images in [0, 1]; returns (B, out_channels, H, W), unclamped.</summary>
    public override Tensor forward(Tensor x)
    {
        var w0 = patch_embed.Weight;
        if (x.dim() != 4 || x.shape[1] != Config.InpChannels)
            throw new ArgumentException($"MambaIRUNet expects images (batch, {Config.InpChannels}, height, width), got ({string.Join(", ", x.shape)})");
        bool convert = MixedPrecision.IsFloat32ImageForReducedNetwork(x, w0);
        using var scope = NewDisposeScope();
        if (convert) x = x.to(w0.dtype);
        long h0 = x.shape[2], wd0 = x.shape[3];
        var inp = MirrorPadding.ToMultiple(x, MambaIRUNetConfig.SizeMultiple);

        var embedded = patch_embed.forward(inp);                          // (B, C, H, W)
        var enc1 = Run(encoder_level1, ToTokens(embedded));               // (B, H, W, C) from here on
        var enc2 = Run(encoder_level2, down1_2.forward(enc1));
        var enc3 = Run(encoder_level3, down2_3.forward(enc2));
        var lat = Run(latent, down3_4.forward(enc3));

        var dec3 = Run(decoder_level3, Reduce(reduce_chan_level3, cat(new[] { up4_3.forward(lat), enc3 }, -1)));
        var dec2 = Run(decoder_level2, Reduce(reduce_chan_level2, cat(new[] { up3_2.forward(dec3), enc2 }, -1)));
        var dec1 = Run(decoder_level1, cat(new[] { up2_1.forward(dec2), enc1 }, -1));
        dec1 = Run(refinement, dec1);

        var img = dec1.permute(0, 3, 1, 2);
        Tensor y = skip_conv is null
            ? ScalarOne.Add(output.forward(img), inp)
            : output.forward(ScalarOne.Add(img, skip_conv.forward(embedded)));
        return y.narrow(2, 0, h0).narrow(3, 0, wd0).MoveToOuterDisposeScope();
    }

    static Tensor ToTokens(Tensor nchw) => nchw.permute(0, 2, 3, 1).contiguous();

    static Tensor Run(ModuleList<VSSBlock> blocks, Tensor x)
    {
        if (blocks.Count == 0) return x;
        // In reduced precision the blocks' residual stream is float32 (MixedPrecision); the U-Net's own layers are not.
        var type = x.dtype;
        if (blocks[0].ResidualType != type) x = x.to(blocks[0].ResidualType);
        foreach (var block in blocks) x = block.call(x); // call runs hooks (overlapped gradient reduction in data-parallel training)
        return x.dtype == type ? x : x.to(type);
    }

    static Tensor Reduce(Conv2d conv, Tensor x) => ToTokens(conv.forward(x.permute(0, 3, 1, 2)));

    /// <summary>The official <c>OverlapPatchEmbed</c>: <c>proj</c> = Conv3×3 in→dim without bias.</summary>
    sealed class OverlapPatchEmbed : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d proj;

        public OverlapPatchEmbed(long inChannels, long dim) : base(nameof(OverlapPatchEmbed))
        {
            proj = nn.Conv2d(inChannels, dim, 3, padding: 1, bias: false);
            RegisterComponents();
        }

        public Tensor Weight => proj.weight!;

        public override Tensor forward(Tensor x) => proj.forward(x);
    }

    /// <summary>The official <c>Downsample</c> / <c>Upsample</c>: <c>body</c> = [Conv3×3 without bias, Pixel(Un)Shuffle(2)], on (B, H, W, C) features.</summary>
    sealed class Resample : nn.Module<Tensor, Tensor>
    {
        private readonly Sequential body;

        Resample(Sequential body) : base(nameof(Resample))
        {
            this.body = body;
            RegisterComponents();
        }

        /// <summary>C → C/2 channels, then PixelUnshuffle(2): (H, W, C) → (H/2, W/2, 2C).</summary>
        public static Resample Down(long c) => new(nn.Sequential(("0", nn.Conv2d(c, c / 2, 3, padding: 1, bias: false)), ("1", nn.PixelUnshuffle(2))));

        /// <summary>C → 2C channels, then PixelShuffle(2): (H, W, C) → (2H, 2W, C/2).</summary>
        public static Resample Up(long c) => new(nn.Sequential(("0", nn.Conv2d(c, c * 2, 3, padding: 1, bias: false)), ("1", nn.PixelShuffle(2))));

        public override Tensor forward(Tensor x) => ToTokens(body.forward(x.permute(0, 3, 1, 2)));
    }
}
