namespace MambaIR.Models;

/// <summary>What a loaded (or built) MambaIR model is, for display (<c>mambair info</c>) and logs.</summary>
/// <param name="Variant">Preset name when the architecture is an official one (e.g. <c>classic-x2</c>), else <c>custom</c>.</param>
/// <param name="Preset">The matching official preset, or null.</param>
/// <param name="Scale">Output size factor (1 for denoising / CAR).</param>
/// <param name="Parameters">Number of parameters.</param>
/// <param name="CabType">The CAB layout in words.</param>
/// <param name="Tasks">What the model is for (the released checkpoints for a preset).</param>
/// <param name="Notes">Caveats, e.g. a historic layout.</param>
public sealed record ModelDescription(
    string Variant, MambaIRPreset? Preset, int Scale, long Parameters, string CabType,
    IReadOnlyList<string> Tasks, IReadOnlyList<string> Notes)
{
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
        return new ModelDescription(preset?.Name ?? "custom", preset, config.Scale, parameters, CabName(config.CabLayout), tasks, notes);
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
