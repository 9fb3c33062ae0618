using System.Globalization;
using MambaIR.Inference;
using MambaIR.Models;
using static TorchSharp.torch;

namespace MambaIR.Evaluation;

/// <summary>Loads a MambaIR checkpoint (<see cref="ModelLoader"/>: architecture detected from the weights) as a <see cref="NetworkRestorer"/>.</summary>
public static class NetworkModels
{
    /// <summary>Loads <paramref name="path"/> onto <paramref name="device"/>, to be run under <paramref name="procedure"/>.</summary>
    /// <returns>The restorer and the published tables that apply: classic or light SR, colour denoising for RGB denoisers, grey JPEG CAR for grey CAR models.</returns>
    public static LoadedRestorer Load(string path, RestorationTask task, TestProcedure procedure, Device device)
    {
        var loaded = ModelLoader.Load(path, new ModelLoadOptions { Device = device });
        try
        {
            var config = loaded.Config;
            string description = string.Create(CultureInfo.InvariantCulture,
                $"MambaIR {loaded.Description.Variant} ({config}), {loaded.Description.Parameters:N0} parameters, {path}");
            var network = MambaIRNetworks.From(loaded, device, ScalarType.Float32);
            var restorer = new NetworkRestorer(network, procedure, description, loaded);
            return new LoadedRestorer(restorer, PublishedTables(task, config));
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    static IReadOnlyList<string> PublishedTables(RestorationTask task, MambaIRConfig config) => task switch
    {
        RestorationTask.SuperResolution => [RestorerFactory.TableFor(task, light: config.Upsampler == Upsampler.PixelShuffleDirect)],
        RestorationTask.Denoising when config.InChans == 3 => [RestorerFactory.TableFor(task, light: false)],
        RestorationTask.JpegArtifactRemoval when config.InChans == 1 => [RestorerFactory.TableFor(task, light: false)],
        _ => [],
    };
}
