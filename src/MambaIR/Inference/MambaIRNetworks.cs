using MambaIR.Models;
using static TorchSharp.torch;

namespace MambaIR.Inference;

/// <summary>Adapts a loaded MambaIR checkpoint to a <see cref="RestorationNetwork"/>.</summary>
public static class MambaIRNetworks
{
    /// <summary>
    /// The loaded network with its scale and channels. <paramref name="device"/> and <paramref name="dtype"/> must be those
    /// the weights were loaded with (<see cref="ModelLoadOptions"/>).
    /// </summary>
    public static RestorationNetwork From(LoadedModel loaded, Device device, ScalarType dtype)
    {
        var config = loaded.Config;
        if (config.InChans is not (1 or 3))
            throw new NotSupportedException($"{loaded.Source ?? "model"}: {config.InChans}-channel models cannot restore image files (1 or 3 channels)");
        string name = loaded.Source is { } s ? Path.GetFileNameWithoutExtension(s) : loaded.Description.Variant;
        return RestorationNetwork.FromModule(loaded.Model, config.Scale, config.InChans, name, device, dtype);
    }
}
