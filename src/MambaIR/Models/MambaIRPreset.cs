namespace MambaIR.Models;

/// <summary>An official MambaIR v1 configuration with its name, tasks and the parameter count of the released architecture.</summary>
/// <param name="Name">Short name, e.g. <c>classic-x2</c>.</param>
/// <param name="Description">One line on what the model is.</param>
/// <param name="Tasks">The released checkpoints this architecture serves (README table).</param>
/// <param name="Config">The network hyper-parameters (official option YAML).</param>
/// <param name="Parameters">Parameter count of this architecture (the published count; see the spec §1.8 and §5.3).</param>
public sealed record MambaIRPreset(string Name, string Description, IReadOnlyList<string> Tasks, MambaIRConfig Config, long Parameters) : INetworkPreset
{
    INetworkConfig INetworkPreset.Config => Config;
}
