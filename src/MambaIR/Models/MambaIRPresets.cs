namespace MambaIR.Models;

/// <summary>
/// The official MambaIR v1 configurations (options/train/mambair/*.yml): classic SR ×2/×3/×4, lightweight SR ×2/×3/×4,
/// colour Gaussian denoising (σ 15/25/50 share one architecture) and grey JPEG artifact removal (q 10/30/40).
/// </summary>
public static class MambaIRPresets
{
    static MambaIRConfig Classic(int scale) => new()
    {
        Upscale = scale, InChans = 3, EmbedDim = 180, Depths = new[] { 6, 6, 6, 6, 6, 6 }, DState = 16, MlpRatio = 2.0,
        Upsampler = Upsampler.PixelShuffle,
    };

    static MambaIRConfig Light(int scale) => new()
    {
        Upscale = scale, InChans = 3, EmbedDim = 60, Depths = new[] { 6, 6, 6, 6 }, DState = 10, MlpRatio = 1.2,
        Upsampler = Upsampler.PixelShuffleDirect,
    };

    static MambaIRConfig Restoration(int inChans) => new()
    {
        Upscale = 1, InChans = inChans, EmbedDim = 180, Depths = new[] { 6, 6, 6, 6, 6, 6 }, DState = 16, MlpRatio = 1.2,
        Upsampler = Upsampler.None,
    };

    /// <summary>All presets, in a stable order.</summary>
    public static IReadOnlyList<MambaIRPreset> All { get; } = new MambaIRPreset[]
    {
        new("classic-x2", "classic image super-resolution ×2 (bicubic, DF2K)", new[] { "MambaIR_SR2: classic SR ×2" }, Classic(2), 20_421_863),
        new("classic-x3", "classic image super-resolution ×3 (bicubic, DF2K)", new[] { "MambaIR_SR3: classic SR ×3" }, Classic(3), 20_606_503),
        new("classic-x4", "classic image super-resolution ×4 (bicubic, DF2K)", new[] { "MambaIR_SR4: classic SR ×4" }, Classic(4), 20_569_575),
        new("light-x2", "lightweight image super-resolution ×2 (bicubic, DIV2K)", new[] { "MambaIR_light2: lightweight SR ×2" }, Light(2), 905_016),
        new("light-x3", "lightweight image super-resolution ×3 (bicubic, DIV2K)", new[] { "MambaIR_light3: lightweight SR ×3" }, Light(3), 913_131),
        new("light-x4", "lightweight image super-resolution ×4 (bicubic, DIV2K)", new[] { "MambaIR_light4: lightweight SR ×4" }, Light(4), 924_492),
        new("color-dn", "colour Gaussian denoising (one architecture for σ 15, 25, 50)",
            new[] { "MambaIR_guassian15: colour denoising σ15", "MambaIR_guassian25: colour denoising σ25", "MambaIR_guassian50: colour denoising σ50" },
            Restoration(3), 15_777_507),
        new("gray-car", "grey JPEG compression artifact removal (one architecture for q 10, 30, 40)",
            new[] { "MambaIR_JPEG10: grey JPEG CAR q10", "MambaIR_JPEG30: grey JPEG CAR q30", "MambaIR_JPEG40: grey JPEG CAR q40" },
            Restoration(1), 15_771_025),
    };

    /// <summary>The preset with this name (case-insensitive); throws naming the known presets.</summary>
    public static MambaIRPreset Get(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown MambaIR preset '{name}'; known: {string.Join(", ", All.Select(p => p.Name))}");

    /// <summary>The preset whose architecture equals <paramref name="config"/>, or null.</summary>
    public static MambaIRPreset? Match(MambaIRConfig config) => All.FirstOrDefault(p => p.Config.Equals(config));
}
