using System.Globalization;
using System.Text.Json;

namespace MambaIR.Models;

/// <summary>The reconstruction head (official <c>upsampler</c> argument).</summary>
public enum Upsampler
{
    /// <summary><c>''</c>: no upsampling; global residual on the input (denoising, JPEG artifact removal).</summary>
    None,
    /// <summary><c>'pixelshuffle'</c>: conv + LeakyReLU, then (conv, PixelShuffle) steps, then conv_last (classic SR).</summary>
    PixelShuffle,
    /// <summary><c>'pixelshuffledirect'</c>: one conv to s²·Cin channels and one PixelShuffle (lightweight SR).</summary>
    PixelShuffleDirect,
    /// <summary><c>'nearest+conv'</c> (MambaIRv2 only, ×4): conv + LeakyReLU, two (nearest ×2, conv, LeakyReLU 0.2) steps, conv_hr, conv_last.</summary>
    NearestConv,
}

/// <summary>The conv block closing each RSSG and the body (official <c>resi_connection</c>).</summary>
public enum ResiConnection
{
    /// <summary><c>'1conv'</c>: one 3×3 conv (every released model).</summary>
    OneConv,
    /// <summary><c>'3conv'</c>: 3×3 C→C/4, LeakyReLU 0.2, 1×1, LeakyReLU 0.2, 3×3 C/4→C.</summary>
    ThreeConv,
}

/// <summary>Which layout the channel-attention block (CAB, keys <c>conv_blk.cab.*</c>) of every VSSBlock has.</summary>
public enum CabLayout
{
    /// <summary>Conv3×3 C→C/3, GELU, Conv3×3 C/3→C, channel attention (classic SR, denoising, CAR).</summary>
    Classic,
    /// <summary>Light SR since commit c308c30 (2024-10-15): Conv1×1 C→C/2, DW3×3, GELU, Conv1×1 C/2→C, dilated DW3×3, channel attention.</summary>
    Light,
    /// <summary>Historic light SR, 2024-03-19 to 2024-10-15: the classic layout with compress ratio 6.</summary>
    LightMar2024,
    /// <summary>Historic light SR, 2024-02-27 to 2024-03-19: DW3×3 then channel attention.</summary>
    LightFeb2024,
}

/// <summary>
/// Hyper-parameters of a MambaIR v1 network, named as the official constructor names them
/// (<c>upscale, in_chans, embed_dim, depths, d_state, mlp_ratio, upsampler, img_range, resi_connection</c>).
/// Defaults are the official constructor defaults. <see cref="MlpRatio"/> is the SS2D expand ratio (there is no MLP).
/// </summary>
public sealed record MambaIRConfig : INetworkConfig
{
    /// <summary>Scale factor; 1 for <see cref="Upsampler.None"/>.</summary>
    public int Upscale { get; init; } = 2;
    /// <summary>Image channels in and out (3 RGB, 1 grey).</summary>
    public int InChans { get; init; } = 3;
    /// <summary>Feature width C.</summary>
    public int EmbedDim { get; init; } = 96;
    /// <summary>VSSBlocks per residual group; its length is the number of groups.</summary>
    public IReadOnlyList<int> Depths { get; init; } = new[] { 6, 6, 6, 6 };
    /// <summary>SSM state size N.</summary>
    public int DState { get; init; } = 16;
    /// <summary>SS2D expand ratio (official name <c>mlp_ratio</c>); inner width is ⌊MlpRatio·C⌋.</summary>
    public double MlpRatio { get; init; } = 2.0;
    public Upsampler Upsampler { get; init; } = Upsampler.None;
    /// <summary>Pixel values are multiplied by this after mean subtraction (1 or 255).</summary>
    public double ImgRange { get; init; } = 1.0;
    public ResiConnection ResiConnection { get; init; } = ResiConnection.OneConv;
    /// <summary>Whether the token LayerNorm after conv_first exists (official <c>patch_norm</c>, default true).</summary>
    public bool PatchNorm { get; init; } = true;
    /// <summary>CAB layout; null means the official rule (light when the upsampler is pixelshuffledirect). Historic light layouts are only set by detection.</summary>
    public CabLayout? Cab { get; init; }

    /// <summary>The CAB layout in effect.</summary>
    public CabLayout CabLayout => Cab ?? (Upsampler == Upsampler.PixelShuffleDirect ? CabLayout.Light : CabLayout.Classic);
    /// <summary>SS2D inner width D_i = int(mlp_ratio · C), computed in double precision exactly as Python does.</summary>
    public int DInner => (int)(MlpRatio * EmbedDim);
    /// <summary>dt rank R = ceil(C / 16).</summary>
    public int DtRank => (EmbedDim + 15) / 16;
    /// <summary>Feature width of the pixelshuffle head (hard-coded 64 in the official code).</summary>
    public const int NumFeat = 64;
    /// <summary>Channel-attention squeeze factor (30 in every CAB).</summary>
    public const int SqueezeFactor = 30;
    /// <summary>Output size factor: <see cref="Upscale"/>, or 1 without upsampler.</summary>
    public int Scale => Upsampler == Upsampler.None ? 1 : Upscale;
    /// <summary><see cref="NetworkArchitecture.MambaIR"/>.</summary>
    public NetworkArchitecture Architecture => NetworkArchitecture.MambaIR;
    /// <summary>Output channels: the same as <see cref="InChans"/>.</summary>
    public int OutChans => InChans;
    /// <summary>A new <see cref="MambaIRNet"/> of this config.</summary>
    public TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> CreateNetwork() => new MambaIRNet(this);

    /// <summary>Official spelling of <see cref="Upsampler"/>.</summary>
    public static string UpsamplerName(Upsampler u) => u switch
    {
        Upsampler.PixelShuffle => "pixelshuffle",
        Upsampler.PixelShuffleDirect => "pixelshuffledirect",
        Upsampler.NearestConv => "nearest+conv",
        _ => "",
    };

    /// <summary>Official spelling of <see cref="ResiConnection"/>.</summary>
    public static string ResiConnectionName(ResiConnection r) => r == ResiConnection.ThreeConv ? "3conv" : "1conv";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid hyper-parameter.</summary>
    public MambaIRConfig Validate()
    {
        static void Check(bool ok, string message) { if (!ok) throw new ArgumentException("MambaIR config: " + message); }
        Check(InChans >= 1, $"in_chans must be ≥ 1, got {InChans}");
        Check(EmbedDim >= SqueezeFactor, $"embed_dim must be ≥ {SqueezeFactor} (channel attention squeezes by {SqueezeFactor}), got {EmbedDim}");
        Check(Depths.Count >= 1 && Depths.All(d => d >= 1), $"depths must be a non-empty list of positive block counts, got [{string.Join(", ", Depths)}]");
        Check(DState >= 1, $"d_state must be ≥ 1, got {DState}");
        Check(double.IsFinite(MlpRatio) && DInner >= 1, $"mlp_ratio must give an SS2D width int(mlp_ratio·embed_dim) ≥ 1, got mlp_ratio {MlpRatio.ToString(CultureInfo.InvariantCulture)}");
        Check(double.IsFinite(ImgRange) && ImgRange > 0, $"img_range must be positive, got {ImgRange.ToString(CultureInfo.InvariantCulture)}");
        Check(Upscale >= 1, $"upscale must be ≥ 1, got {Upscale}");
        Check(Upsampler != Upsampler.NearestConv, "upsampler 'nearest+conv' exists only in MambaIRv2; MambaIR v1 has 'pixelshuffle', 'pixelshuffledirect' and '' (none)");
        if (Upsampler == Upsampler.PixelShuffle)
            Check((Upscale & (Upscale - 1)) == 0 || Upscale == 3, $"upscale {Upscale} is not supported by upsampler 'pixelshuffle' (supported: 2^n and 3; 'pixelshuffledirect' takes any scale)");
        if (Upsampler == Upsampler.None)
            Check(Upscale == 1, $"upsampler '' keeps the input size, so upscale must be 1, got {Upscale}");
        return this;
    }

    /// <summary>Builds a config from the official constructor's keyword arguments (a YAML <c>network_g</c> block
    /// or a reference-vector json <c>kwargs</c>). Values may be numbers, strings, booleans or lists (also as strings
    /// such as <c>"[6, 6, 6]"</c>). Keys that only matter for training or bookkeeping (img_size, patch_size,
    /// drop rates, window_size, ...) are accepted and ignored as the official code ignores them; any other key is an error.
    /// With upsampler <c>''</c> the upscale is set to 1, as it has no effect there.</summary>
    public static MambaIRConfig FromKwargs(IEnumerable<KeyValuePair<string, object?>> kwargs)
    {
        var c = new MambaIRConfig();
        foreach (var (key, value) in kwargs)
        {
            switch (key)
            {
                case "upscale": c = c with { Upscale = AsInt(key, value) }; break;
                case "in_chans": c = c with { InChans = AsInt(key, value) }; break;
                case "embed_dim": c = c with { EmbedDim = AsInt(key, value) }; break;
                case "depths": c = c with { Depths = AsIntList(key, value) }; break;
                case "d_state": c = c with { DState = AsInt(key, value) }; break;
                case "mlp_ratio": c = c with { MlpRatio = AsDouble(key, value) }; break;
                case "img_range": c = c with { ImgRange = AsDouble(key, value) }; break;
                case "patch_norm": c = c with { PatchNorm = AsBool(key, value) }; break;
                case "upsampler": c = c with { Upsampler = ParseUpsampler(AsString(value)) }; break;
                case "resi_connection": c = c with { ResiConnection = ParseResiConnection(AsString(value)) }; break;
                case "type":
                    if (AsString(value) is not "MambaIR")
                        throw new ArgumentException($"MambaIR config: network type '{AsString(value)}' is not MambaIR (v1); MambaIRv2, MambaIRv2Light and MambaIRUNet have their own configs (NetworkConfigs.FromKwargs)");
                    break;
                default:
                    if (!IgnoredKeys.Contains(key))
                        throw new ArgumentException($"MambaIR config: unknown key '{key}'; known keys: upscale, in_chans, embed_dim, depths, d_state, mlp_ratio, upsampler, img_range, resi_connection, patch_norm (ignored: {string.Join(", ", IgnoredKeys)})");
                    break;
            }
        }
        if (c.Upsampler == Upsampler.None) c = c with { Upscale = 1 };
        return c.Validate();
    }

    /// <summary>Builds a config from a json object of constructor keyword arguments (e.g. a reference vector's <c>kwargs</c>).</summary>
    public static MambaIRConfig FromJson(JsonElement kwargs)
    {
        if (kwargs.ValueKind != JsonValueKind.Object) throw new ArgumentException($"MambaIR config: expected a json object of keyword arguments, got {kwargs.ValueKind}");
        return FromKwargs(kwargs.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, FromJsonValue(p.Value))));
    }

    /// <summary>The official keyword arguments that reproduce this config (for display and round trips).</summary>
    public IReadOnlyDictionary<string, object> ToKwargs()
    {
        var d = new Dictionary<string, object>
        {
            ["upscale"] = Upscale, ["in_chans"] = InChans, ["embed_dim"] = EmbedDim, ["depths"] = Depths.ToArray(),
            ["d_state"] = DState, ["mlp_ratio"] = MlpRatio, ["upsampler"] = UpsamplerName(Upsampler),
            ["img_range"] = ImgRange, ["resi_connection"] = ResiConnectionName(ResiConnection),
        };
        if (!PatchNorm) d["patch_norm"] = false;
        return d;
    }

    /// <summary>Equality by value, with <see cref="Depths"/> compared element-wise and the CAB by its effective layout.</summary>
    public bool Equals(MambaIRConfig? o) => o is not null && Upscale == o.Upscale && InChans == o.InChans && EmbedDim == o.EmbedDim
        && Depths.SequenceEqual(o.Depths) && DState == o.DState && DInner == o.DInner && MlpRatio.Equals(o.MlpRatio)
        && Upsampler == o.Upsampler && ImgRange.Equals(o.ImgRange) && ResiConnection == o.ResiConnection
        && PatchNorm == o.PatchNorm && CabLayout == o.CabLayout;

    public override int GetHashCode() => HashCode.Combine(Upscale, InChans, EmbedDim, Depths.Count, DState, MlpRatio, Upsampler, CabLayout);

    /// <summary>One line in the official keyword spelling, e.g. <c>upscale=2 in_chans=3 embed_dim=180 depths=[6,6,6,6,6,6] ...</c>.</summary>
    public override string ToString() =>
        $"upscale={Upscale} in_chans={InChans} embed_dim={EmbedDim} depths=[{string.Join(",", Depths)}] d_state={DState} " +
        $"mlp_ratio={MlpRatio.ToString(CultureInfo.InvariantCulture)} upsampler='{UpsamplerName(Upsampler)}' " +
        $"img_range={ImgRange.ToString(CultureInfo.InvariantCulture)} resi_connection={ResiConnectionName(ResiConnection)}" +
        (PatchNorm ? "" : " patch_norm=False") + (CabLayout is CabLayout.LightMar2024 or CabLayout.LightFeb2024 ? $" cab={CabLayout}" : "");

    /// <summary>Official constructor keys that do not change the inference network.</summary>
    public static IReadOnlySet<string> IgnoredKeys { get; } = new SortedSet<string>(StringComparer.Ordinal)
    {
        "img_size", "patch_size", "drop_rate", "drop_path_rate", "attn_drop_rate", "norm_layer", "use_checkpoint",
        "window_size", "num_heads", "interval", "qkv_bias", "ape", "compress_ratio", "squeeze_factor",
    };

    static Upsampler ParseUpsampler(string? s) => (s ?? "").Trim().ToLowerInvariant() switch
    {
        "pixelshuffle" => Upsampler.PixelShuffle,
        "pixelshuffledirect" => Upsampler.PixelShuffleDirect,
        "" or "none" or "null" or "~" => Upsampler.None,
        var other => throw new ArgumentException($"MambaIR config: upsampler '{other}' is not supported; use 'pixelshuffle', 'pixelshuffledirect' or '' (none)"),
    };

    static ResiConnection ParseResiConnection(string? s) => (s ?? "").Trim() switch
    {
        "1conv" => ResiConnection.OneConv,
        "3conv" => ResiConnection.ThreeConv,
        var other => throw new ArgumentException($"MambaIR config: resi_connection '{other}' is not supported; use '1conv' or '3conv'"),
    };

    static object? FromJsonValue(JsonElement e) => KwargValues.FromJson(e);
    static string? AsString(object? v) => KwargValues.AsString(v);
    static double AsDouble(string key, object? v) => KwargValues.AsDouble("MambaIR", key, v);
    static int AsInt(string key, object? v) => KwargValues.AsInt("MambaIR", key, v);
    static bool AsBool(string key, object? v) => KwargValues.AsBool("MambaIR", key, v);
    static IReadOnlyList<int> AsIntList(string key, object? v) => KwargValues.AsIntList("MambaIR", key, v);
}
