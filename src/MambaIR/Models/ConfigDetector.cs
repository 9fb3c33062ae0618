using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;


using MambaIR.Checkpoints;
using MambaIR.Models.UNet;
using MambaIR.Models.V2;

namespace MambaIR.Models;

/// <summary>
/// Detection of the network family and its config from a state dict alone: <see cref="DetectNetwork(IReadOnlyDictionary{string, long[]})"/>
/// and <see cref="DeriveNetwork"/> dispatch on <see cref="Family"/> to <see cref="V2.MambaIRv2ConfigDetector"/>,
/// <see cref="UNet.MambaIRUNetConfigDetector"/> or the MambaIR v1 detection below.
/// <para>MambaIR v1: recovers every hyper-parameter from keys and shapes:
/// embed_dim and in_chans from conv_first; depths by counting blocks per group; d_state from A_logs; the expand ratio
/// ("mlp_ratio") from in_proj; upsampler from which head keys exist; scale from the head's conv shapes;
/// the CAB layout (classic, current light, and the two historic light layouts) from the block keys;
/// resi_connection and patch_norm from key patterns. <c>img_range</c> is not stored in a checkpoint; every official
/// model uses 1, which is what is returned.</para>
/// </summary>
public static class ConfigDetector
{
    const string Block0 = "layers.0.residual_group.blocks.0.";

    /// <summary>
    /// The family of a state dict from its keys: MambaIRv2 / MambaIRv2-light (ASSM keys <c>.assm.</c>, <c>embeddingA</c>),
    /// the real-denoising U-Net (<c>patch_embed.proj.weight</c>, <c>encoder_level1.*</c>), else MambaIR v1 (whose
    /// detection explains what is missing when it is not v1 either).
    /// </summary>
    public static NetworkArchitecture Family(IReadOnlyDictionary<string, long[]> shapes)
    {
        if (MambaIRv2ConfigDetector.Recognises(shapes)) return MambaIRv2ConfigDetector.IsLight(shapes) ? NetworkArchitecture.MambaIRv2Light : NetworkArchitecture.MambaIRv2;
        if (MambaIRUNetConfigDetector.Recognises(shapes)) return NetworkArchitecture.MambaIRUNet;
        return NetworkArchitecture.MambaIR;
    }

    /// <summary>Detects the family (<see cref="Family"/>) and the config of a state dict of any family, and checks that
    /// the network it describes has exactly these keys and shapes. For v1 this is <see cref="Detect(IReadOnlyDictionary{string, long[]})"/>.</summary>
    /// <exception cref="InvalidDataException">Not a state dict of any family, or keys/shapes that no config of its family produces (the message lists them).</exception>
    public static INetworkConfig DetectNetwork(IReadOnlyDictionary<string, Tensor> stateDict) => DetectNetwork(StateDictLayout.Of(stateDict));

    /// <inheritdoc cref="DetectNetwork(IReadOnlyDictionary{string, Tensor})"/>
    public static INetworkConfig DetectNetwork(IReadOnlyDictionary<string, long[]> shapes) => Family(shapes) switch
    {
        NetworkArchitecture.MambaIRv2 or NetworkArchitecture.MambaIRv2Light => MambaIRv2ConfigDetector.Detect(shapes),
        NetworkArchitecture.MambaIRUNet => MambaIRUNetConfigDetector.Detect(shapes),
        _ => Detect(shapes),
    };

    /// <summary>Derives the config of a state dict of any family from the keys that determine it, without checking the
    /// remaining keys (the strict load in <see cref="ModelLoader"/> does that). For v1 this is <see cref="Derive"/>.</summary>
    /// <exception cref="InvalidDataException">What is missing or inconsistent.</exception>
    public static INetworkConfig DeriveNetwork(IReadOnlyDictionary<string, long[]> shapes) => Family(shapes) switch
    {
        NetworkArchitecture.MambaIRv2 or NetworkArchitecture.MambaIRv2Light => MambaIRv2ConfigDetector.Derive(shapes),
        NetworkArchitecture.MambaIRUNet => MambaIRUNetConfigDetector.Derive(shapes),
        _ => Derive(shapes),
    };

    /// <summary>Detects the config and checks that the network it describes has exactly these keys and shapes.</summary>
    /// <exception cref="InvalidDataException">Not a MambaIR v1 state dict, or keys/shapes that no MambaIR v1 config produces (the message lists them).</exception>
    public static MambaIRConfig Detect(IReadOnlyDictionary<string, Tensor> stateDict) => Detect(StateDictLayout.Of(stateDict));

    /// <inheritdoc cref="Detect(IReadOnlyDictionary{string, Tensor})"/>
    public static MambaIRConfig Detect(IReadOnlyDictionary<string, long[]> shapes)
    {
        var config = Derive(shapes);
        IReadOnlyDictionary<string, long[]> expected;
        using (var model = new MambaIRNet(config)) expected = StateDictLayout.Of(model);
        var problems = StateDictLayout.Compare(expected, shapes);
        if (problems.Count > 0)
            throw new InvalidDataException($"state dict looks like MambaIR v1 ({config}) but does not match that network: {string.Join("; ", problems)}");
        return config;
    }

    /// <summary>Derives the config from the keys that determine it, without checking the remaining keys
    /// (the strict load in <see cref="ModelLoader"/> does that). Throws <see cref="InvalidDataException"/> explaining what is missing.</summary>
    public static MambaIRConfig Derive(IReadOnlyDictionary<string, long[]> s)
    {
        if (!s.TryGetValue("conv_first.weight", out var convFirst) || convFirst.Length != 4 || !s.ContainsKey(Block0 + "self_attention.A_logs"))
            throw new InvalidDataException(NotMambaIR(s));
        int c = (int)convFirst[0], inChans = (int)convFirst[1];

        var depths = new List<int>();
        for (int i = 0; s.Keys.Any(k => k.StartsWith($"layers.{i}.", StringComparison.Ordinal)); i++)
        {
            int j = 0;
            while (s.ContainsKey($"layers.{i}.residual_group.blocks.{j}.ln_1.weight")) j++;
            if (j == 0) throw new InvalidDataException($"residual group layers.{i} has no VSSBlocks (no key layers.{i}.residual_group.blocks.0.ln_1.weight)");
            depths.Add(j);
        }

        long[] aLogs = Need(s, Block0 + "self_attention.A_logs", 2);
        long[] inProj = Need(s, Block0 + "self_attention.in_proj.weight", 2);
        int dState = (int)aLogs[1], dInner = (int)(inProj[0] / 2);
        if (inProj[1] != c || inProj[0] % 2 != 0 || aLogs[0] != 4 * dInner)
            throw new InvalidDataException($"inconsistent SS2D shapes: in_proj.weight {StateDictLayout.Shape(inProj)}, A_logs {StateDictLayout.Shape(aLogs)} for embed_dim {c}");

        var (upsampler, scale) = DetectHead(s, inChans);
        var cab = DetectCab(s, c);
        var officialCab = upsampler == Upsampler.PixelShuffleDirect ? CabLayout.Light : CabLayout.Classic;
        var config = new MambaIRConfig
        {
            Upscale = scale, InChans = inChans, EmbedDim = c, Depths = depths.ToArray(), DState = dState,
            MlpRatio = ExpandRatio(dInner, c), Upsampler = upsampler, ImgRange = 1.0,
            ResiConnection = s.ContainsKey("conv_after_body.0.weight") ? ResiConnection.ThreeConv : ResiConnection.OneConv,
            PatchNorm = s.ContainsKey("patch_embed.norm.weight"),
            Cab = cab == officialCab ? null : cab,
        };
        try { return config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException("detected an invalid MambaIR config: " + e.Message, e); }
    }

    internal static (Upsampler, int) DetectHead(IReadOnlyDictionary<string, long[]> s, int inChans)
    {
        if (s.ContainsKey("conv_before_upsample.0.weight"))
        {
            var convs = new List<long[]>();
            for (int k = 0; s.TryGetValue($"upsample.{k}.weight", out var w); k += 2) convs.Add(w);
            long f = MambaIRConfig.NumFeat;
            if (convs.Count == 1 && convs[0][0] == 9 * f) return (Upsampler.PixelShuffle, 3);
            if (convs.All(w => w[0] == 4 * f)) return (Upsampler.PixelShuffle, 1 << convs.Count);
            throw new InvalidDataException($"pixelshuffle head with unexpected upsample conv shapes: {string.Join(", ", convs.Select(StateDictLayout.Shape))} (expected (256, 64, 3, 3) per ×2 step or one (576, 64, 3, 3) for ×3)");
        }
        if (s.TryGetValue("upsample.0.weight", out var one))
        {
            long r2 = one[0] / inChans;
            int r = (int)Math.Round(Math.Sqrt(r2));
            if (one[0] % inChans != 0 || (long)r * r != r2)
                throw new InvalidDataException($"pixelshuffledirect head upsample.0.weight {StateDictLayout.Shape(one)} does not have scale²·in_chans ({inChans}) output channels");
            return (Upsampler.PixelShuffleDirect, r);
        }
        if (s.ContainsKey("conv_last.weight")) return (Upsampler.None, 1);
        throw new InvalidDataException("no reconstruction head: expected conv_before_upsample.0.weight (pixelshuffle), upsample.0.weight (pixelshuffledirect) or conv_last.weight (no upsampler)");
    }

    static CabLayout DetectCab(IReadOnlyDictionary<string, long[]> s, int c)
    {
        string p = Block0 + "conv_blk.cab.";
        if (s.ContainsKey(p + "5.attention.1.weight")) return CabLayout.Light;
        if (s.ContainsKey(p + "3.attention.1.weight"))
        {
            long mid = Need(s, p + "0.weight", 4)[0];
            if (mid == c / 3) return CabLayout.Classic;
            if (mid == c / 6) return CabLayout.LightMar2024;
            throw new InvalidDataException($"CAB {p}0.weight has {mid} output channels; expected embed_dim/3 = {c / 3} (classic) or embed_dim/6 = {c / 6} (light, 2024-03 layout)");
        }
        if (s.ContainsKey(p + "1.attention.1.weight")) return CabLayout.LightFeb2024;
        throw new InvalidDataException($"unknown CAB layout under {p}: keys {string.Join(", ", s.Keys.Where(k => k.StartsWith(p, StringComparison.Ordinal)))}");
    }

    /// <summary>A ratio e with int(e·C) = D_i, preferring the shortest decimal (1.2 rather than 1.2000000000000002).</summary>
    internal static double ExpandRatio(int dInner, int c)
    {
        for (int digits = 1; digits <= 15; digits++)
        {
            double e = Math.Round((double)dInner / c, digits);
            if ((int)(e * c) == dInner) return e;
        }
        double exact = (double)dInner / c;
        return (int)(exact * c) == dInner ? exact : Math.BitIncrement(exact);
    }

    internal static long[] Need(IReadOnlyDictionary<string, long[]> s, string key, int rank)
    {
        if (!s.TryGetValue(key, out var shape)) throw new InvalidDataException($"missing key {key}");
        if (shape.Length != rank) throw new InvalidDataException($"{key} has shape {StateDictLayout.Shape(shape)}; expected {rank} dimensions");
        return shape;
    }

    static string NotMambaIR(IReadOnlyDictionary<string, long[]> s)
    {
        string hint = s.Keys.Any(k => k.Contains("embeddingA", StringComparison.Ordinal) || k.Contains(".assm.", StringComparison.Ordinal))
                ? " It looks like MambaIRv2 (DetectNetwork detects every family)."
            : s.Keys.Any(k => k.StartsWith("encoder_level", StringComparison.Ordinal) || k.StartsWith("patch_embed.proj", StringComparison.Ordinal))
                ? " It looks like the real-denoising MambaIRUNet (DetectNetwork detects every family)."
            : s.Keys.Any(k => k.Contains("relative_position_bias_table", StringComparison.Ordinal))
                ? " It looks like a window-attention transformer (e.g. SwinIR), not MambaIR."
            : "";
        string first = string.Join(", ", s.Keys.Take(8)) + (s.Count > 8 ? ", ..." : "");
        return $"not a MambaIR v1 state dict: expected conv_first.weight and {Block0}self_attention.A_logs.{hint} It has {s.Count} tensors: {first}";
    }
}
