using MambaIR.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Text.Evaluation;

/// <summary>
/// A MambaIR ×2 checkpoint (any variant <see cref="ModelLoader"/> detects) run on whole TextZoom batches: the 64×16 LR
/// crops go through the network in one forward pass on <see cref="Device"/> (no tiling is needed at this size).
/// </summary>
public sealed class MambaIRTextSrModel : ITextSrModel
{
    readonly LoadedModel _loaded;

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Where the network runs.</summary>
    public Device Device { get; }

    MambaIRTextSrModel(LoadedModel loaded, string name, Device device) => (_loaded, Name, Device) = (loaded, name, device);

    /// <summary>
    /// Loads <paramref name="path"/>. Throws <see cref="InvalidDataException"/> naming the file when it is not a ×2 RGB model
    /// (TextZoom pairs are 64×16 → 128×32).
    /// </summary>
    public static MambaIRTextSrModel Load(string path, Device device)
    {
        var loaded = ModelLoader.Load(path, new ModelLoadOptions { Device = device });
        var c = loaded.Config;
        if (c.Upscale != 2 || c.InChans != 3)
        {
            loaded.Dispose();
            throw new InvalidDataException($"{path}: a ×{c.Upscale} model with {c.InChans} input channels; TextZoom needs a ×2 RGB model (in_chans 3)");
        }
        return new MambaIRTextSrModel(loaded, Path.GetFileNameWithoutExtension(path), device);
    }

    /// <inheritdoc/>
    public Tensor Upscale(Tensor lq)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var sr = _loaded.Model.forward(lq.to(float32).to(Device)).to(float32).cpu();
        return sr.MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public void Dispose() => _loaded.Dispose();
}
