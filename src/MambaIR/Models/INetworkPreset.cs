namespace MambaIR.Models;

/// <summary>An official configuration of any family: its name, what it is, the released checkpoints it serves and the
/// parameter count of the architecture (<see cref="MambaIRPreset"/> for v1, <see cref="NetworkPreset"/> for the others).</summary>
public interface INetworkPreset
{
    /// <summary>Short name, e.g. <c>classic-x2</c>, <c>v2-light-x2</c>.</summary>
    string Name { get; }
    /// <summary>One line on what the model is.</summary>
    string Description { get; }
    /// <summary>The released checkpoints this architecture serves.</summary>
    IReadOnlyList<string> Tasks { get; }
    /// <summary>The network hyper-parameters (official option file).</summary>
    INetworkConfig Config { get; }
    /// <summary>Exact parameter count of this architecture (the spec's derived counts, which equal the published ones).</summary>
    long Parameters { get; }
}

/// <summary>An official MambaIRv2, MambaIRv2-light or U-Net configuration.</summary>
/// <param name="Name">Short name, e.g. <c>v2-b-x2</c>.</param>
/// <param name="Description">One line on what the model is.</param>
/// <param name="Tasks">The released checkpoints (file names in the official test option files) this architecture serves.</param>
/// <param name="Config">The network hyper-parameters (official option file).</param>
/// <param name="Parameters">Exact parameter count: the spec's derived count (§3.5, §5.3), or for the scales it does not
/// list, its ×2 count with the head difference added (a ×3 head has 184,640 more parameters, a ×4 head 147,712).</param>
/// <param name="PublishedMillions">The count as the paper prints it, in millions (e.g. 22.9; 0.774 for 774K), or null where none is published.</param>
public sealed record NetworkPreset(string Name, string Description, IReadOnlyList<string> Tasks, INetworkConfig Config, long Parameters,
    double? PublishedMillions = null) : INetworkPreset
{
    /// <summary>Where <see cref="PublishedMillions"/> comes from.</summary>
    public const string PublishedSource = "MambaIRv2 (CVPR 2025) classic-SR and lightweight-SR tables (csguoh/MambaIR main assets), as transcribed in the project's MambaIR spec §5.1–5.3";
}
