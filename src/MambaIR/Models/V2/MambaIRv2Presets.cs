namespace MambaIR.Models.V2;

/// <summary>
/// The official MambaIRv2 configurations (options/train|test/mambairv2/*.yml): lightweight SR ×2/×3/×4
/// (MambaIRv2Light), classic SR Small/Base/Large ×2/×3/×4, colour Gaussian denoising (σ 15/25/50 share one
/// architecture) and grey JPEG artifact removal (q 10/30/40), with their exact parameter counts.
/// </summary>
public static class MambaIRv2Presets
{
    static MambaIRv2Config Light(int scale) => new()
    {
        Light = true, Upscale = scale, InChans = 3, EmbedDim = 48, DState = 8, Depths = [5, 5, 5, 5], NumHeads = [4, 4, 4, 4],
        WindowSize = 16, InnerRank = 32, NumTokens = 64, ConvFfnKernelSize = 5, MlpRatio = 1.0, Upsampler = Upsampler.PixelShuffleDirect,
    };

    static MambaIRv2Config Sr(int embedDim, int groups, int depth, int heads, int scale) => new()
    {
        Upscale = scale, InChans = 3, EmbedDim = embedDim, DState = 16, Depths = Enumerable.Repeat(depth, groups).ToArray(),
        NumHeads = Enumerable.Repeat(heads, groups).ToArray(), WindowSize = 16, InnerRank = 64, NumTokens = 128,
        ConvFfnKernelSize = 5, MlpRatio = 2.0, Upsampler = Upsampler.PixelShuffle,
    };

    static MambaIRv2Config Restoration(int inChans) => Sr(174, 6, 6, 6, 1) with { Upscale = 1, InChans = inChans, Upsampler = Upsampler.None };

    /// <summary>Parameters a ×3 (one 576-channel conv) and a ×4 (two 256-channel convs) pixelshuffle head have beyond a ×2 head.</summary>
    const long X3Extra = 184_640, X4Extra = 147_712;

    static NetworkPreset SrPreset(string size, string file, int embedDim, int groups, int depth, int heads, int scale, long x2, double published) =>
        new($"v2-{size[..1].ToLowerInvariant()}-x{scale}", $"MambaIRv2-{size[..1]} ({size}) classic image super-resolution ×{scale} (bicubic, DF2K)",
            [$"mambairv2_classicSR_{file}_x{scale}: classic SR ×{scale}"], Sr(embedDim, groups, depth, heads, scale),
            x2 + (scale == 3 ? X3Extra : scale == 4 ? X4Extra : 0), published);

    /// <summary>All presets, in a stable order.</summary>
    public static IReadOnlyList<NetworkPreset> All { get; } =
    [
        new("v2-light-x2", "MambaIRv2-light image super-resolution ×2 (bicubic, DIV2K)", ["mambairv2_lightSR_x2: lightweight SR ×2"], Light(2), 774_092, 0.774),
        new("v2-light-x3", "MambaIRv2-light image super-resolution ×3 (bicubic, DIV2K)", ["mambairv2_lightSR_x3: lightweight SR ×3"], Light(3), 780_587, 0.781),
        new("v2-light-x4", "MambaIRv2-light image super-resolution ×4 (bicubic, DIV2K)", ["mambairv2_lightSR_x4: lightweight SR ×4"], Light(4), 789_680, 0.790),
        SrPreset("Small", "Small", 132, 6, 4, 4, 2, 9_621_935, 9.6),
        SrPreset("Small", "Small", 132, 6, 4, 4, 3, 9_621_935, 9.8),
        SrPreset("Small", "Small", 132, 6, 4, 4, 4, 9_621_935, 9.8),
        SrPreset("Base", "Base", 174, 6, 6, 6, 2, 22_903_001, 22.9),
        SrPreset("Base", "Base", 174, 6, 6, 6, 3, 22_903_001, 23.1),
        SrPreset("Base", "Base", 174, 6, 6, 6, 4, 22_903_001, 23.1),
        SrPreset("Large", "Large", 174, 9, 6, 6, 2, 34_090_523, 34.2),
        SrPreset("Large", "Large", 174, 9, 6, 6, 3, 34_090_523, 34.2),
        SrPreset("Large", "Large", 174, 9, 6, 6, 4, 34_090_523, 34.2),
        new("v2-color-dn", "MambaIRv2 colour Gaussian denoising (one architecture for σ 15, 25, 50)",
            ["mambairv2_ColorDN_15: colour denoising σ15 (σ 25/50 option files exist; σ15 is the released one)"], Restoration(3), 22_657_971),
        new("v2-gray-car", "MambaIRv2 grey JPEG compression artifact removal (one architecture for q 10, 30, 40)",
            ["mambairv2_jpeg_q10: grey JPEG CAR q10", "mambairv2_jpeg_q30: grey JPEG CAR q30", "mambairv2_jpeg_q40: grey JPEG CAR q40"], Restoration(1), 22_651_705),
    ];
}
