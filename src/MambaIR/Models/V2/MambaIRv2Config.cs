using System.Globalization;
using System.Text.Json;
using static TorchSharp.torch;

namespace MambaIR.Models.V2;

/// <summary>
/// Hyper-parameters of a MambaIRv2 or MambaIRv2-light network, named as the official constructors name them
/// (<c>upscale, in_chans, embed_dim, d_state, depths, num_heads, window_size, inner_rank, num_tokens,
/// convffn_kernel_size, mlp_ratio, qkv_bias, patch_norm, img_range, upsampler, resi_connection</c>). Defaults are the
/// official constructor defaults (shared by both classes). <see cref="Light"/> selects <c>MambaIRv2Light</c>, whose two
/// feed-forward layers per block are GatedMLPs instead of ConvFFNs (the only difference between the two files).
/// </summary>
public sealed record MambaIRv2Config : INetworkConfig
{
    /// <summary>True for <c>MambaIRv2Light</c> (GatedMLP feed-forward layers), false for <c>MambaIRv2</c> (ConvFFN).</summary>
    public bool Light { get; init; }
    /// <summary>Scale factor; 1 for <see cref="Upsampler.None"/>.</summary>
    public int Upscale { get; init; } = 2;
    /// <summary>Image channels in and out.</summary>
    public int InChans { get; init; } = 3;
    /// <summary>Feature width C.</summary>
    public int EmbedDim { get; init; } = 48;
    /// <summary>SSM state size N of every ASSM (also the width of the prompts).</summary>
    public int DState { get; init; } = 8;
    /// <summary>Attentive layers per group (ASSB); its length is the number of groups.</summary>
    public IReadOnlyList<int> Depths { get; init; } = new[] { 6, 6, 6, 6 };
    /// <summary>Attention heads per group (one entry per group).</summary>
    public IReadOnlyList<int> NumHeads { get; init; } = new[] { 4, 4, 4, 4 };
    /// <summary>Attention window side (16 in every official config); inputs are padded to a multiple of it.</summary>
    public int WindowSize { get; init; } = 16;
    /// <summary>Rank of the prompt factorisation: embeddingB (num_tokens × inner_rank) · embeddingA (inner_rank × d_state).</summary>
    public int InnerRank { get; init; } = 32;
    /// <summary>Number of routing classes (prompts).</summary>
    public int NumTokens { get; init; } = 64;
    /// <summary>Depthwise kernel of the ConvFFN (unused by the light network, whose gate is always 5×5).</summary>
    public int ConvFfnKernelSize { get; init; } = 5;
    /// <summary>Hidden width ratio of the FFNs and of the ASSM: hidden = int(mlp_ratio · C).</summary>
    public double MlpRatio { get; init; } = 2.0;
    /// <summary>Whether wqkv has a bias (official <c>qkv_bias</c>, default true).</summary>
    public bool QkvBias { get; init; } = true;
    /// <summary>Whether the token LayerNorm after conv_first exists (official <c>patch_norm</c>).</summary>
    public bool PatchNorm { get; init; } = true;
    public Upsampler Upsampler { get; init; } = Upsampler.None;
    /// <summary>Pixel values are multiplied by this after mean subtraction.</summary>
    public double ImgRange { get; init; } = 1.0;
    public ResiConnection ResiConnection { get; init; } = ResiConnection.OneConv;

    /// <summary><see cref="NetworkArchitecture.MambaIRv2Light"/> or <see cref="NetworkArchitecture.MambaIRv2"/>.</summary>
    public NetworkArchitecture Architecture => Light ? NetworkArchitecture.MambaIRv2Light : NetworkArchitecture.MambaIRv2;
    /// <summary>Output size factor: <see cref="Upscale"/>, or 1 without upsampler.</summary>
    public int Scale => Upsampler == Upsampler.None ? 1 : Upscale;
    public int OutChans => InChans;
    /// <summary>Hidden width int(mlp_ratio · C) of the FFNs and the ASSM scan, computed in double precision as Python does.</summary>
    public int Hidden => (int)(MlpRatio * EmbedDim);
    /// <summary>dt rank of the ASSM scan: ceil(hidden / 16).</summary>
    public int DtRank => (Hidden + 15) / 16;
    /// <summary>Hidden width of the router: C // 3.</summary>
    public int RouteHidden => EmbedDim / 3;
    /// <summary>Shift of the odd layers' windows: window_size // 2.</summary>
    public int ShiftSize => WindowSize / 2;
    /// <summary>Feature width of the pixelshuffle and nearest+conv heads (hard-coded 64).</summary>
    public const int NumFeat = 64;

    /// <summary>A new <see cref="MambaIRv2Net"/> of this config.</summary>
    public nn.Module<Tensor, Tensor> CreateNetwork() => new MambaIRv2Net(this);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid hyper-parameter.</summary>
    public MambaIRv2Config Validate()
    {
        string family = Architecture.ToString();
        void Check(bool ok, string message) { if (!ok) throw new ArgumentException($"{family} config: " + message); }
        Check(InChans >= 1, $"in_chans must be ≥ 1, got {InChans}");
        Check(EmbedDim >= 3, $"embed_dim must be ≥ 3 (the router's hidden width is embed_dim // 3), got {EmbedDim}");
        Check(Depths.Count >= 1 && Depths.All(d => d >= 1), $"depths must be a non-empty list of positive layer counts, got [{string.Join(", ", Depths)}]");
        Check(NumHeads.Count == Depths.Count, $"num_heads needs one entry per group ({Depths.Count}), got [{string.Join(", ", NumHeads)}]");
        Check(NumHeads.All(h => h >= 1 && EmbedDim % h == 0), $"num_heads must divide embed_dim {EmbedDim}, got [{string.Join(", ", NumHeads)}]");
        Check(DState >= 1, $"d_state must be ≥ 1, got {DState}");
        Check(WindowSize >= 2, $"window_size must be ≥ 2, got {WindowSize}");
        Check(InnerRank >= 1 && NumTokens >= 1, $"inner_rank and num_tokens must be ≥ 1, got {InnerRank} and {NumTokens}");
        Check(ConvFfnKernelSize >= 1 && ConvFfnKernelSize % 2 == 1, $"convffn_kernel_size must be odd, got {ConvFfnKernelSize}");
        Check(double.IsFinite(MlpRatio) && Hidden >= 1, $"mlp_ratio must give a hidden width int(mlp_ratio·embed_dim) ≥ 1, got mlp_ratio {MlpRatio.ToString(CultureInfo.InvariantCulture)}");
        if (Light) Check(Hidden % 2 == 0, $"the GatedMLP splits its hidden width int(mlp_ratio·embed_dim) = {Hidden} in halves, so it must be even");
        Check(double.IsFinite(ImgRange) && ImgRange > 0, $"img_range must be positive, got {ImgRange.ToString(CultureInfo.InvariantCulture)}");
        Check(Upscale >= 1, $"upscale must be ≥ 1, got {Upscale}");
        if (Upsampler == Upsampler.PixelShuffle)
            Check((Upscale & (Upscale - 1)) == 0 || Upscale == 3, $"upscale {Upscale} is not supported by upsampler 'pixelshuffle' (supported: 2^n and 3; 'pixelshuffledirect' takes any scale)");
        if (Upsampler == Upsampler.NearestConv)
            Check(Upscale == 4, $"upsampler 'nearest+conv' supports only upscale 4, got {Upscale}");
        if (Upsampler == Upsampler.None)
            Check(Upscale == 1, $"upsampler '' keeps the input size, so upscale must be 1, got {Upscale}");
        return this;
    }

    /// <summary>
    /// Builds a config from the official constructor's keyword arguments (a YAML <c>network_g</c> block or a reference
    /// vector's <c>kwargs</c>). Keys that only matter for training or bookkeeping (img_size, patch_size, drop rates,
    /// use_checkpoint, norm_layer) are accepted and ignored, as the official code ignores them; <c>ape</c> must be false
    /// (an absolute position embedding fixes the input size); any other key is an error. With upsampler <c>''</c> the
    /// upscale is set to 1. <paramref name="light"/> picks <c>MambaIRv2Light</c>; a <c>type</c> key must agree with it.
    /// </summary>
    public static MambaIRv2Config FromKwargs(IEnumerable<KeyValuePair<string, object?>> kwargs, bool light)
    {
        string family = light ? "MambaIRv2Light" : "MambaIRv2";
        var c = new MambaIRv2Config { Light = light };
        foreach (var (key, value) in kwargs)
        {
            switch (key)
            {
                case "upscale": c = c with { Upscale = KwargValues.AsInt(family, key, value) }; break;
                case "in_chans": c = c with { InChans = KwargValues.AsInt(family, key, value) }; break;
                case "embed_dim": c = c with { EmbedDim = KwargValues.AsInt(family, key, value) }; break;
                case "d_state": c = c with { DState = KwargValues.AsInt(family, key, value) }; break;
                case "depths": c = c with { Depths = KwargValues.AsIntList(family, key, value) }; break;
                case "num_heads": c = c with { NumHeads = KwargValues.AsIntList(family, key, value) }; break;
                case "window_size": c = c with { WindowSize = KwargValues.AsInt(family, key, value) }; break;
                case "inner_rank": c = c with { InnerRank = KwargValues.AsInt(family, key, value) }; break;
                case "num_tokens": c = c with { NumTokens = KwargValues.AsInt(family, key, value) }; break;
                case "convffn_kernel_size": c = c with { ConvFfnKernelSize = KwargValues.AsInt(family, key, value) }; break;
                case "mlp_ratio": c = c with { MlpRatio = KwargValues.AsDouble(family, key, value) }; break;
                case "qkv_bias": c = c with { QkvBias = KwargValues.AsBool(family, key, value) }; break;
                case "patch_norm": c = c with { PatchNorm = KwargValues.AsBool(family, key, value) }; break;
                case "img_range": c = c with { ImgRange = KwargValues.AsDouble(family, key, value) }; break;
                case "upsampler": c = c with { Upsampler = ParseUpsampler(family, KwargValues.AsString(value)) }; break;
                case "resi_connection": c = c with { ResiConnection = ParseResiConnection(family, KwargValues.AsString(value)) }; break;
                case "ape":
                    if (KwargValues.AsBool(family, key, value))
                        throw new ArgumentException($"{family} config: ape=True (absolute position embedding) is not supported: it ties the network to one input size; every official config uses ape=False");
                    break;
                case "type":
                    if (!string.Equals(KwargValues.AsString(value), family, StringComparison.Ordinal))
                        throw new ArgumentException($"{family} config: network type '{KwargValues.AsString(value)}' is not {family}");
                    break;
                default:
                    if (!IgnoredKeys.Contains(key))
                        throw new ArgumentException($"{family} config: unknown key '{key}'; known keys: upscale, in_chans, embed_dim, d_state, depths, num_heads, window_size, inner_rank, num_tokens, convffn_kernel_size, mlp_ratio, qkv_bias, patch_norm, img_range, upsampler, resi_connection, ape (ignored: {string.Join(", ", IgnoredKeys)})");
                    break;
            }
        }
        if (c.Upsampler == Upsampler.None) c = c with { Upscale = 1 };
        return c.Validate();
    }

    /// <summary>Builds a config from a json object of constructor keyword arguments.</summary>
    public static MambaIRv2Config FromJson(JsonElement kwargs, bool light) =>
        (MambaIRv2Config)NetworkConfigs.FromJson(light ? NetworkArchitecture.MambaIRv2Light : NetworkArchitecture.MambaIRv2, kwargs);

    /// <summary>Official constructor keys that do not change the inference network.</summary>
    public static IReadOnlySet<string> IgnoredKeys { get; } = new SortedSet<string>(StringComparer.Ordinal)
    {
        "img_size", "patch_size", "drop_rate", "drop_path_rate", "attn_drop_rate", "norm_layer", "use_checkpoint",
    };

    /// <summary>The official keyword arguments that reproduce this config.</summary>
    public IReadOnlyDictionary<string, object> ToKwargs()
    {
        var d = new Dictionary<string, object>
        {
            ["upscale"] = Upscale, ["in_chans"] = InChans, ["embed_dim"] = EmbedDim, ["d_state"] = DState,
            ["depths"] = Depths.ToArray(), ["num_heads"] = NumHeads.ToArray(), ["window_size"] = WindowSize,
            ["inner_rank"] = InnerRank, ["num_tokens"] = NumTokens, ["convffn_kernel_size"] = ConvFfnKernelSize,
            ["mlp_ratio"] = MlpRatio, ["upsampler"] = MambaIRConfig.UpsamplerName(Upsampler), ["img_range"] = ImgRange,
            ["resi_connection"] = MambaIRConfig.ResiConnectionName(ResiConnection),
        };
        if (!QkvBias) d["qkv_bias"] = false;
        if (!PatchNorm) d["patch_norm"] = false;
        return d;
    }

    /// <summary>Equality by value, with the lists compared element-wise and the ConvFFN kernel ignored for the light
    /// network (which has no ConvFFN).</summary>
    public bool Equals(MambaIRv2Config? o) => o is not null && Light == o.Light && Upscale == o.Upscale && InChans == o.InChans
        && EmbedDim == o.EmbedDim && DState == o.DState && Depths.SequenceEqual(o.Depths) && NumHeads.SequenceEqual(o.NumHeads)
        && WindowSize == o.WindowSize && InnerRank == o.InnerRank && NumTokens == o.NumTokens
        && (Light || ConvFfnKernelSize == o.ConvFfnKernelSize) && MlpRatio.Equals(o.MlpRatio) && QkvBias == o.QkvBias
        && PatchNorm == o.PatchNorm && Upsampler == o.Upsampler && ImgRange.Equals(o.ImgRange) && ResiConnection == o.ResiConnection;

    public override int GetHashCode() => HashCode.Combine(Light, Upscale, InChans, EmbedDim, DState, Depths.Count, MlpRatio, Upsampler);

    /// <summary>One line in the official keyword spelling.</summary>
    public override string ToString() =>
        $"upscale={Upscale} in_chans={InChans} embed_dim={EmbedDim} d_state={DState} depths=[{string.Join(",", Depths)}] " +
        $"num_heads=[{string.Join(",", NumHeads)}] window_size={WindowSize} inner_rank={InnerRank} num_tokens={NumTokens} " +
        (Light ? "" : $"convffn_kernel_size={ConvFfnKernelSize} ") +
        $"mlp_ratio={KwargValues.Format(MlpRatio)} upsampler='{MambaIRConfig.UpsamplerName(Upsampler)}' " +
        $"img_range={KwargValues.Format(ImgRange)} resi_connection={MambaIRConfig.ResiConnectionName(ResiConnection)}" +
        (QkvBias ? "" : " qkv_bias=False") + (PatchNorm ? "" : " patch_norm=False");

    static Upsampler ParseUpsampler(string family, string? s) => (s ?? "").Trim().ToLowerInvariant() switch
    {
        "pixelshuffle" => Upsampler.PixelShuffle,
        "pixelshuffledirect" => Upsampler.PixelShuffleDirect,
        "nearest+conv" => Upsampler.NearestConv,
        "" or "none" or "null" or "~" => Upsampler.None,
        var other => throw new ArgumentException($"{family} config: upsampler '{other}' is not supported; use 'pixelshuffle', 'pixelshuffledirect', 'nearest+conv' or '' (none)"),
    };

    static ResiConnection ParseResiConnection(string family, string? s) => (s ?? "").Trim() switch
    {
        "1conv" => ResiConnection.OneConv,
        "3conv" => ResiConnection.ThreeConv,
        var other => throw new ArgumentException($"{family} config: resi_connection '{other}' is not supported; use '1conv' or '3conv'"),
    };
}
