namespace MambaIR.Models;

/// <summary>A MambaIR network with its weights loaded, in eval mode, and what it is. Dispose to free the weights.</summary>
public sealed class LoadedModel : IDisposable
{
    internal LoadedModel(MambaIRNet model, ModelDescription description, string? source, string? paramKey, IReadOnlyList<string> fileDTypes)
    {
        Model = model; Description = description; Source = source; ParamKey = paramKey; FileDTypes = fileDTypes;
    }

    /// <summary>The network; call <c>Model.forward(x)</c> with (B, in_chans, H, W) images in [0, 1].</summary>
    public MambaIRNet Model { get; }
    /// <summary>The network's hyper-parameters.</summary>
    public MambaIRConfig Config => Model.Config;
    public ModelDescription Description { get; }
    /// <summary>The checkpoint file, when loaded from one.</summary>
    public string? Source { get; }
    /// <summary>The top-level key the weights came from (e.g. <c>params</c>), or null for a flat file.</summary>
    public string? ParamKey { get; }
    /// <summary>The dtypes of the tensors in the file (e.g. <c>Float32</c>); weights are converted to the requested dtype.</summary>
    public IReadOnlyList<string> FileDTypes { get; }

    public void Dispose() => Model.Dispose();
}
