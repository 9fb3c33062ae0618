using System.Globalization;
using System.Text.Json;
using static TorchSharp.torch;

namespace MambaIR.Models.UNet;

/// <summary>
/// Hyper-parameters of the real-image denoising U-Net (official <c>MambaIRUNet</c>), named as its constructor names
/// them: <c>inp_channels, out_channels, dim, num_blocks, num_refinement_blocks, mlp_ratio, bias, dual_pixel_task</c>
/// (defaults are the constructor's). The widths are dim, 2·dim, 4·dim, 8·dim from level 1 to the latent level; the
/// decoder's level 1 and the refinement blocks work at 2·dim. <see cref="DState"/> is not an argument of the official
/// constructor: its code fixes d_state 16 at every level (detection reads it from the weights).
/// </summary>
public sealed record MambaIRUNetConfig : INetworkConfig
{
    /// <summary>Image channels in (6 for dual-pixel defocus deblurring).</summary>
    public int InpChannels { get; init; } = 3;
    /// <summary>Image channels out.</summary>
    public int OutChannels { get; init; } = 3;
    /// <summary>Width of level 1.</summary>
    public int Dim { get; init; } = 48;
    /// <summary>VSSBlocks of encoder levels 1–3 and of the latent level (decoder levels 3–1 repeat the first three).</summary>
    public IReadOnlyList<int> NumBlocks { get; init; } = new[] { 4, 6, 6, 8 };
    /// <summary>VSSBlocks after decoder level 1.</summary>
    public int NumRefinementBlocks { get; init; } = 4;
    /// <summary>SS2D expand ratio of every block (official name <c>mlp_ratio</c>).</summary>
    public double MlpRatio { get; init; } = 2.0;
    /// <summary>Whether the 1×1 channel reductions, the output conv and the dual-pixel skip conv have a bias.</summary>
    public bool Bias { get; init; }
    /// <summary>Dual-pixel defocus deblurring: a 1×1 skip conv from the level-1 embedding replaces the global residual.</summary>
    public bool DualPixelTask { get; init; }
    /// <summary>State size of every SS2D (16 in the official code at every level).</summary>
    public int DState { get; init; } = 16;

    /// <summary><see cref="NetworkArchitecture.MambaIRUNet"/>.</summary>
    public NetworkArchitecture Architecture => NetworkArchitecture.MambaIRUNet;
    /// <summary>1: the U-Net restores at the input size.</summary>
    public int Scale => 1;
    public int InChans => InpChannels;
    public int OutChans => OutChannels;
    /// <summary><see cref="Upsampler.None"/>.</summary>
    public Upsampler Upsampler => Upsampler.None;
    /// <summary>Input sides are padded to a multiple of this (three 2× downsamplings).</summary>
    public const int SizeMultiple = 8;

    /// <summary>Width of level <paramref name="level"/> (0 = level 1, 3 = latent): dim·2^level.</summary>
    public int Width(int level) => Dim << level;

    /// <summary>A new <see cref="MambaIRUNet"/> of this config.</summary>
    public nn.Module<Tensor, Tensor> CreateNetwork() => new MambaIRUNet(this);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid hyper-parameter.</summary>
    public MambaIRUNetConfig Validate()
    {
        static void Check(bool ok, string message) { if (!ok) throw new ArgumentException("MambaIRUNet config: " + message); }
        Check(InpChannels >= 1 && OutChannels >= 1, $"inp_channels and out_channels must be ≥ 1, got {InpChannels} and {OutChannels}");
        Check(Dim >= MambaIRConfig.SqueezeFactor && Dim % 2 == 0, $"dim must be even (each downsampling halves it before a 2× pixel-unshuffle) and ≥ {MambaIRConfig.SqueezeFactor} (channel attention squeezes by {MambaIRConfig.SqueezeFactor}), got {Dim}");
        Check(NumBlocks.Count == 4 && NumBlocks.All(n => n >= 0), $"num_blocks must list 4 block counts (levels 1–3 and latent), got [{string.Join(", ", NumBlocks)}]");
        Check(NumRefinementBlocks >= 0, $"num_refinement_blocks must be ≥ 0, got {NumRefinementBlocks}");
        Check(double.IsFinite(MlpRatio) && (int)(MlpRatio * Dim) >= 1, $"mlp_ratio must give an SS2D width int(mlp_ratio·dim) ≥ 1, got {MlpRatio.ToString(CultureInfo.InvariantCulture)}");
        Check(DState >= 1, $"d_state must be ≥ 1, got {DState}");
        if (!DualPixelTask) Check(InpChannels == OutChannels, $"the global residual adds the input to the output, so inp_channels ({InpChannels}) must equal out_channels ({OutChannels}) unless dual_pixel_task");
        return this;
    }

    /// <summary>
    /// Builds a config from the official constructor's keyword arguments (the realDN option file's <c>network_g</c> or a
    /// reference vector's <c>kwargs</c>). <c>drop_path_rate</c> is accepted and ignored (training only; 0 by default);
    /// the official constructor takes no other keys, so any other is an error.
    /// </summary>
    public static MambaIRUNetConfig FromKwargs(IEnumerable<KeyValuePair<string, object?>> kwargs)
    {
        const string F = "MambaIRUNet";
        var c = new MambaIRUNetConfig();
        foreach (var (key, value) in kwargs)
        {
            switch (key)
            {
                case "inp_channels": c = c with { InpChannels = KwargValues.AsInt(F, key, value) }; break;
                case "out_channels": c = c with { OutChannels = KwargValues.AsInt(F, key, value) }; break;
                case "dim": c = c with { Dim = KwargValues.AsInt(F, key, value) }; break;
                case "num_blocks": c = c with { NumBlocks = KwargValues.AsIntList(F, key, value) }; break;
                case "num_refinement_blocks": c = c with { NumRefinementBlocks = KwargValues.AsInt(F, key, value) }; break;
                case "mlp_ratio": c = c with { MlpRatio = KwargValues.AsDouble(F, key, value) }; break;
                case "bias": c = c with { Bias = KwargValues.AsBool(F, key, value) }; break;
                case "dual_pixel_task": c = c with { DualPixelTask = KwargValues.AsBool(F, key, value) }; break;
                case "drop_path_rate": break;
                case "type":
                    if (KwargValues.AsString(value) is not F) throw new ArgumentException($"{F} config: network type '{KwargValues.AsString(value)}' is not {F}");
                    break;
                default:
                    throw new ArgumentException($"{F} config: unknown key '{key}'; known keys: inp_channels, out_channels, dim, num_blocks, num_refinement_blocks, mlp_ratio, bias, dual_pixel_task (ignored: drop_path_rate)");
            }
        }
        return c.Validate();
    }

    /// <summary>Builds a config from a json object of constructor keyword arguments.</summary>
    public static MambaIRUNetConfig FromJson(JsonElement kwargs) => (MambaIRUNetConfig)NetworkConfigs.FromJson(NetworkArchitecture.MambaIRUNet, kwargs);

    /// <summary>The official keyword arguments that reproduce this config (<see cref="DState"/> is not one).</summary>
    public IReadOnlyDictionary<string, object> ToKwargs() => new Dictionary<string, object>
    {
        ["inp_channels"] = InpChannels, ["out_channels"] = OutChannels, ["dim"] = Dim, ["num_blocks"] = NumBlocks.ToArray(),
        ["num_refinement_blocks"] = NumRefinementBlocks, ["mlp_ratio"] = MlpRatio, ["bias"] = Bias, ["dual_pixel_task"] = DualPixelTask,
    };

    public bool Equals(MambaIRUNetConfig? o) => o is not null && InpChannels == o.InpChannels && OutChannels == o.OutChannels
        && Dim == o.Dim && NumBlocks.SequenceEqual(o.NumBlocks) && NumRefinementBlocks == o.NumRefinementBlocks
        && MlpRatio.Equals(o.MlpRatio) && Bias == o.Bias && DualPixelTask == o.DualPixelTask && DState == o.DState;

    public override int GetHashCode() => HashCode.Combine(InpChannels, OutChannels, Dim, NumBlocks.Count, NumRefinementBlocks, MlpRatio, Bias, DualPixelTask);

    /// <summary>One line in the official keyword spelling.</summary>
    public override string ToString() =>
        $"inp_channels={InpChannels} out_channels={OutChannels} dim={Dim} num_blocks=[{string.Join(",", NumBlocks)}] " +
        $"num_refinement_blocks={NumRefinementBlocks} mlp_ratio={KwargValues.Format(MlpRatio)} bias={(Bias ? "True" : "False")}" +
        (DualPixelTask ? " dual_pixel_task=True" : "") + (DState != 16 ? $" d_state={DState}" : "");
}
