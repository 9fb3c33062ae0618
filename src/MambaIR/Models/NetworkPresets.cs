using MambaIR.Models.UNet;
using MambaIR.Models.V2;

namespace MambaIR.Models;

/// <summary>
/// Every official configuration of every family: MambaIR v1 (<see cref="MambaIRPresets"/>), MambaIRv2 and
/// MambaIRv2-light (<see cref="MambaIRv2Presets"/>), and the real-denoising U-Net (<see cref="UNet"/>).
/// </summary>
public static class NetworkPresets
{
    /// <summary>The released real-denoising U-Net (realDenoising/options/train_MambaIR_RealDN.yml; SIDD/DND, checkpoint
    /// MambaIR_realDN). 26,779,480 parameters by the spec's derivation (§2.4; no count is published).</summary>
    public static NetworkPreset UNet { get; } = new("unet-realdn", "MambaIR U-Net real-image denoising (SIDD)",
        ["MambaIR_realDN: real image denoising (SIDD, DND)"],
        new MambaIRUNetConfig { InpChannels = 3, OutChannels = 3, Dim = 48, NumBlocks = [4, 6, 6, 8], NumRefinementBlocks = 4, MlpRatio = 1.5, Bias = false },
        26_779_480);

    /// <summary>All presets, v1 first, in a stable order.</summary>
    public static IReadOnlyList<INetworkPreset> All { get; } =
        [.. MambaIRPresets.All, .. MambaIRv2Presets.All, UNet];

    /// <summary>The preset with this name (case-insensitive); throws naming the known presets.</summary>
    public static INetworkPreset Get(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown preset '{name}'; known: {string.Join(", ", All.Select(p => p.Name))}");

    /// <summary>The preset whose architecture equals <paramref name="config"/>, or null.</summary>
    public static INetworkPreset? Match(INetworkConfig config) => All.FirstOrDefault(p => p.Config.Equals(config));
}
