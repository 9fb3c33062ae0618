using MambaIR.Checkpoints;
using static TorchSharp.torch;

namespace MambaIR.Models.UNet;

/// <summary>
/// Recovers every MambaIRUNet hyper-parameter from a state dict alone: inp_channels and dim from patch_embed.proj;
/// out_channels from output; num_blocks by counting the blocks of encoder levels 1–3 and the latent level, and
/// num_refinement_blocks likewise; mlp_ratio from the first block's in_proj; d_state from its A_logs; bias from
/// output.bias; dual_pixel_task from skip_conv.
/// </summary>
public static class MambaIRUNetConfigDetector
{
    /// <summary>True when the keys are the U-Net's.</summary>
    public static bool Recognises(IReadOnlyDictionary<string, long[]> s) =>
        s.ContainsKey("patch_embed.proj.weight") || s.Keys.Any(k => k.StartsWith("encoder_level1.", StringComparison.Ordinal));

    /// <summary>Detects the config and checks that the network it describes has exactly these keys and shapes.</summary>
    /// <exception cref="InvalidDataException">Not the U-Net, or keys/shapes that no U-Net config produces (the message lists them).</exception>
    public static MambaIRUNetConfig Detect(IReadOnlyDictionary<string, long[]> shapes)
    {
        var config = Derive(shapes);
        IReadOnlyDictionary<string, long[]> expected;
        using (var model = new MambaIRUNet(config)) expected = StateDictLayout.Of(model);
        var problems = StateDictLayout.Compare(expected, shapes);
        if (problems.Count > 0)
            throw new InvalidDataException($"state dict looks like MambaIRUNet ({config}) but does not match that network: {string.Join("; ", problems)}");
        return config;
    }

    /// <inheritdoc cref="Detect(IReadOnlyDictionary{string, long[]})"/>
    public static MambaIRUNetConfig Detect(IReadOnlyDictionary<string, Tensor> stateDict) => Detect(StateDictLayout.Of(stateDict));

    /// <summary>Derives the config from the keys that determine it, without checking the remaining keys.</summary>
    /// <exception cref="InvalidDataException">What is missing or inconsistent.</exception>
    public static MambaIRUNetConfig Derive(IReadOnlyDictionary<string, long[]> s)
    {
        long[] embed = ConfigDetector.Need(s, "patch_embed.proj.weight", 4);
        long[] output = ConfigDetector.Need(s, "output.weight", 4);
        int dim = (int)embed[0];
        int Count(string prefix)
        {
            int n = 0;
            while (s.ContainsKey($"{prefix}.{n}.ln_1.weight")) n++;
            return n;
        }
        var blocks = new[] { Count("encoder_level1"), Count("encoder_level2"), Count("encoder_level3"), Count("latent") };
        // The first block that exists tells the expand ratio and d_state (all levels share them).
        string? first = new[] { "encoder_level1", "encoder_level2", "encoder_level3", "latent", "refinement" }
            .Select((p, i) => (p, i)).Where(t => s.ContainsKey($"{t.p}.0.ln_1.weight")).Select(t => $"{t.p}.0.").FirstOrDefault();
        double mlpRatio = 2.0;
        int dState = 16;
        if (first is not null)
        {
            long[] inProj = ConfigDetector.Need(s, first + "self_attention.in_proj.weight", 2);
            long[] aLogs = ConfigDetector.Need(s, first + "self_attention.A_logs", 2);
            mlpRatio = ConfigDetector.ExpandRatio((int)(inProj[0] / 2), (int)inProj[1]);
            dState = (int)aLogs[1];
        }
        var config = new MambaIRUNetConfig
        {
            InpChannels = (int)embed[1], OutChannels = (int)output[0], Dim = dim, NumBlocks = blocks,
            NumRefinementBlocks = Count("refinement"), MlpRatio = mlpRatio, Bias = s.ContainsKey("output.bias"),
            DualPixelTask = s.ContainsKey("skip_conv.weight"), DState = dState,
        };
        try { return config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException("detected an invalid MambaIRUNet config: " + e.Message, e); }
    }
}
