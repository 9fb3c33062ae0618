using MambaIR.Checkpoints;
using static TorchSharp.torch;

namespace MambaIR.Models.V2;

/// <summary>
/// Recovers every MambaIRv2 / MambaIRv2-light hyper-parameter from a state dict alone (keys and shapes): light from the
/// GatedMLP keys (<c>convffn1.sg.*</c>); embed_dim and in_chans from conv_first; depths by counting attentive layers per
/// group; num_heads per group and window_size from the relative position bias tables (((2ws−1)², heads)); d_state and
/// the hidden width (hence mlp_ratio) from A_logs; inner_rank and num_tokens from the prompt embeddings; the ConvFFN
/// kernel from its depthwise conv; qkv_bias, patch_norm and resi_connection from key patterns; upsampler and scale from
/// the head. <c>img_range</c> is not stored; every official model uses 1, which is what is returned.
/// </summary>
public static class MambaIRv2ConfigDetector
{
    const string Layer0 = "layers.0.residual_group.layers.0.";

    /// <summary>True when the keys are MambaIRv2's (an ASSM or its prompt embedding).</summary>
    public static bool Recognises(IReadOnlyDictionary<string, long[]> s) =>
        s.Keys.Any(k => k.Contains(".assm.", StringComparison.Ordinal) || k.EndsWith(".embeddingA.weight", StringComparison.Ordinal));

    /// <summary>True when the feed-forward layers are GatedMLPs (MambaIRv2Light).</summary>
    public static bool IsLight(IReadOnlyDictionary<string, long[]> s) =>
        s.Keys.Any(k => k.Contains(".convffn1.sg.", StringComparison.Ordinal));

    /// <summary>Detects the config and checks that the network it describes has exactly these keys and shapes.</summary>
    /// <exception cref="InvalidDataException">Not MambaIRv2, or keys/shapes that no MambaIRv2 config produces (the message lists them).</exception>
    public static MambaIRv2Config Detect(IReadOnlyDictionary<string, long[]> shapes)
    {
        var config = Derive(shapes);
        IReadOnlyDictionary<string, long[]> expected;
        using (var model = new MambaIRv2Net(config)) expected = StateDictLayout.Of(model);
        var problems = StateDictLayout.Compare(expected, shapes);
        if (problems.Count > 0)
            throw new InvalidDataException($"state dict looks like {config.Architecture} ({config}) but does not match that network: {string.Join("; ", problems)}");
        return config;
    }

    /// <inheritdoc cref="Detect(IReadOnlyDictionary{string, long[]})"/>
    public static MambaIRv2Config Detect(IReadOnlyDictionary<string, Tensor> stateDict) => Detect(StateDictLayout.Of(stateDict));

    /// <summary>Derives the config from the keys that determine it, without checking the remaining keys.</summary>
    /// <exception cref="InvalidDataException">What is missing or inconsistent.</exception>
    public static MambaIRv2Config Derive(IReadOnlyDictionary<string, long[]> s)
    {
        bool light = IsLight(s);
        string family = light ? "MambaIRv2Light" : "MambaIRv2";
        long[] convFirst = ConfigDetector.Need(s, "conv_first.weight", 4);
        int c = (int)convFirst[0], inChans = (int)convFirst[1];

        var depths = new List<int>();
        var heads = new List<int>();
        long tableRows = -1;
        for (int i = 0; s.Keys.Any(k => k.StartsWith($"layers.{i}.", StringComparison.Ordinal)); i++)
        {
            int j = 0;
            while (s.ContainsKey($"layers.{i}.residual_group.layers.{j}.norm1.weight")) j++;
            if (j == 0) throw new InvalidDataException($"group layers.{i} has no attentive layers (no key layers.{i}.residual_group.layers.0.norm1.weight)");
            depths.Add(j);
            long[] table = ConfigDetector.Need(s, $"layers.{i}.residual_group.layers.0.win_mhsa.relative_position_bias_table", 2);
            heads.Add((int)table[1]);
            tableRows = table[0];
        }
        if (depths.Count == 0) throw new InvalidDataException($"no attentive layers: expected keys {Layer0}*");

        int side = (int)Math.Round(Math.Sqrt(tableRows));
        if ((long)side * side != tableRows || side % 2 == 0)
            throw new InvalidDataException($"relative_position_bias_table has {tableRows} rows; expected (2·window_size − 1)²");
        int ws = (side + 1) / 2;
        if (s.TryGetValue("relative_position_index_SA", out var rpi) && !rpi.SequenceEqual(new long[] { (long)ws * ws, (long)ws * ws }))
            throw new InvalidDataException($"relative_position_index_SA has shape {StateDictLayout.Shape(rpi)} but the bias tables say window_size {ws} ({ws * ws}, {ws * ws})");

        long[] aLogs = ConfigDetector.Need(s, Layer0 + "assm.selectiveScan.A_logs", 2);
        long[] embA = ConfigDetector.Need(s, Layer0 + "embeddingA.weight", 2);
        long[] embB = ConfigDetector.Need(s, Layer0 + "assm.embeddingB.weight", 2);
        int hidden = (int)aLogs[0], dState = (int)aLogs[1];
        if (embA[1] != dState || embB[1] != embA[0])
            throw new InvalidDataException($"inconsistent prompt shapes: embeddingA.weight {StateDictLayout.Shape(embA)}, assm.embeddingB.weight {StateDictLayout.Shape(embB)} for d_state {dState}");

        int kernel = 5;
        if (!light) kernel = (int)ConfigDetector.Need(s, Layer0 + "convffn1.dwconv.depthwise_conv.0.weight", 4)[2];

        Upsampler upsampler;
        int scale;
        if (s.ContainsKey("conv_up1.weight")) (upsampler, scale) = (Upsampler.NearestConv, 4);
        else (upsampler, scale) = ConfigDetector.DetectHead(s, inChans);

        var config = new MambaIRv2Config
        {
            Light = light, Upscale = scale, InChans = inChans, EmbedDim = c, DState = dState, Depths = depths.ToArray(), NumHeads = heads.ToArray(),
            WindowSize = ws, InnerRank = (int)embA[0], NumTokens = (int)embB[0], ConvFfnKernelSize = kernel,
            MlpRatio = ConfigDetector.ExpandRatio(hidden, c), QkvBias = s.ContainsKey(Layer0 + "wqkv.bias"),
            PatchNorm = s.ContainsKey("patch_embed.norm.weight"), Upsampler = upsampler, ImgRange = 1.0,
            ResiConnection = s.ContainsKey("conv_after_body.0.weight") ? ResiConnection.ThreeConv : ResiConnection.OneConv,
        };
        try { return config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"detected an invalid {family} config: " + e.Message, e); }
    }
}
