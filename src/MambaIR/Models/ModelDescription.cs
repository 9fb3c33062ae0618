namespace MambaIR.Models;

/// <summary>What a loaded (or built) MambaIR model is, for display (<c>mambair info</c>) and logs.</summary>
/// <param name="Variant">Preset name when the architecture is an official one (e.g. <c>classic-x2</c>), else <c>custom</c>.</param>
/// <param name="Family">The kind of network: classic SR, lightweight SR or same-size restoration.</param>
/// <param name="NetworkPreset">The matching official preset of any family, or null.</param>
/// <param name="Scale">Output size factor (1 for denoising / CAR).</param>
/// <param name="Parameters">Number of parameters.</param>
/// <param name="CabType">The CAB layout in words (v1 and the U-Net); for MambaIRv2 the feed-forward layers in words.</param>
/// <param name="Tasks">What the model is for (the released checkpoints for a preset).</param>
/// <param name="Notes">Caveats, e.g. a historic layout.</param>
public sealed record ModelDescription(
    string Variant, string Family, INetworkPreset? NetworkPreset, int Scale, long Parameters, string CabType,
    IReadOnlyList<string> Tasks, IReadOnlyList<string> Notes)
{
    /// <summary>The matching MambaIR v1 preset, or null (also for the other families; see <see cref="NetworkPreset"/>).</summary>
    public MambaIRPreset? Preset => NetworkPreset as MambaIRPreset;

    /// <summary>The network family.</summary>
    public NetworkArchitecture Architecture { get; init; } = NetworkArchitecture.MambaIR;

    /// <summary>Describes a config of any family with its parameter count.</summary>
    public static ModelDescription For(INetworkConfig config, long parameters) => config switch
    {
        MambaIRConfig v1 => For(v1, parameters),
        V2.MambaIRv2Config v2 => For(v2, parameters),
        UNet.MambaIRUNetConfig unet => For(unet, parameters),
        _ => throw new ArgumentException($"unknown network config {config.GetType().Name}"),
    };

    /// <summary>Describes a MambaIRv2 / MambaIRv2-light config.</summary>
    public static ModelDescription For(V2.MambaIRv2Config config, long parameters)
    {
        var preset = NetworkPresets.Match(config);
        string name = config.Light ? "MambaIRv2-light" : "MambaIRv2";
        string family = config.Upsampler switch
        {
            Upsampler.PixelShuffle => $"{name} classic SR ×{config.Scale} (pixelshuffle head)",
            Upsampler.PixelShuffleDirect => $"{name} lightweight SR ×{config.Scale} (pixelshuffledirect head)",
            Upsampler.NearestConv => $"{name} real-world SR ×{config.Scale} (nearest+conv head)",
            _ => $"{name} restoration at the input size (no upsampler; denoising / JPEG CAR)",
        };
        IReadOnlyList<string> tasks = preset?.Tasks ?? new[]
        {
            config.Upsampler == Upsampler.None
                ? $"image restoration at the input size (denoising / JPEG artifact removal), {Channels(config.InChans)}"
                : $"super-resolution ×{config.Scale}",
        };
        string ffn = config.Light
            ? "GatedMLP (fc1, GELU, half ⊙ DW 5×5 of LayerNorm(other half), fc2)"
            : $"ConvFFN (fc1, GELU, + GELU(DW {config.ConvFfnKernelSize}×{config.ConvFfnKernelSize}), fc2)";
        var notes = new List<string>
        {
            "routing is deterministic here (argmax of the route logits, stable sort); the official code adds Gumbel noise also at inference, so its outputs vary slightly from run to run (csguoh/MambaIR issue #121); the seeded Gumbel routing is an option",
        };
        return new ModelDescription(preset?.Name ?? "custom", family, preset, config.Scale, parameters, ffn, tasks, notes)
        {
            Architecture = config.Architecture,
        };
    }

    /// <summary>Describes a real-denoising U-Net config.</summary>
    public static ModelDescription For(UNet.MambaIRUNetConfig config, long parameters)
    {
        var preset = NetworkPresets.Match(config);
        IReadOnlyList<string> tasks = preset?.Tasks ?? new[] { $"real image denoising at the input size, {Channels(config.InChans)}" };
        string family = $"U-Net, 4 levels (widths {config.Width(0)}, {config.Width(1)}, {config.Width(2)}, {config.Width(3)}), real-image denoising";
        var notes = new List<string>();
        if (config.DualPixelTask) notes.Add("dual-pixel defocus deblurring layout (skip_conv instead of the global residual)");
        return new ModelDescription(preset?.Name ?? "custom", family, preset, 1, parameters, CabName(CabLayout.Classic), tasks, notes)
        {
            Architecture = NetworkArchitecture.MambaIRUNet,
        };
    }

    static string Channels(int c) => c == 1 ? "grey" : c == 3 ? "RGB" : $"{c}-channel";

    /// <summary>Describes a config with its parameter count.</summary>
    public static ModelDescription For(MambaIRConfig config, long parameters)
    {
        var preset = MambaIRPresets.Match(config);
        var notes = new List<string>();
        if (config.CabLayout == CabLayout.LightMar2024)
            notes.Add("historic light-SR CAB layout of 2024-03-19..2024-10-15 (before commit c308c30); current light checkpoints use the Oct-2024 layout. Built from the detected shapes; not checked against reference vectors of that code.");
        if (config.CabLayout == CabLayout.LightFeb2024)
            notes.Add("historic light-SR CAB layout of 2024-02-27..2024-03-19; current light checkpoints use the Oct-2024 layout. Built from the detected shapes; not checked against reference vectors of that code.");
        IReadOnlyList<string> tasks = preset?.Tasks ?? new[]
        {
            config.Upsampler == Upsampler.None
                ? $"image restoration at the input size (denoising / JPEG artifact removal), {(config.InChans == 1 ? "grey" : config.InChans == 3 ? "RGB" : $"{config.InChans}-channel")}"
                : $"super-resolution ×{config.Scale}",
        };
        string family = config.Upsampler switch
        {
            Upsampler.PixelShuffle => $"classic SR ×{config.Scale} (pixelshuffle head)",
            Upsampler.PixelShuffleDirect => $"lightweight SR ×{config.Scale} (pixelshuffledirect head)",
            _ => "restoration at the input size (no upsampler; denoising / JPEG CAR)",
        };
        return new ModelDescription(preset?.Name ?? "custom", family, preset, config.Scale, parameters, CabName(config.CabLayout), tasks, notes);
    }

    /// <summary>The CAB layout in words.</summary>
    public static string CabName(CabLayout layout) => layout switch
    {
        CabLayout.Classic => "classic (3×3 conv, GELU, 3×3 conv, channel attention)",
        CabLayout.Light => "light (1×1, DW 3×3, GELU, 1×1, dilated DW 3×3, channel attention; Oct 2024)",
        CabLayout.LightMar2024 => "light, historic Mar 2024 (classic layout, compress 6)",
        CabLayout.LightFeb2024 => "light, historic Feb 2024 (DW 3×3, channel attention)",
        _ => layout.ToString(),
    };
}
