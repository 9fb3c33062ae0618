using MambaIR.Checkpoints;
using MambaIR.Models.V2;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>Options for <see cref="ModelLoader"/>.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>The architecture, of any family (a <see cref="MambaIRConfig"/>, <see cref="MambaIRv2Config"/> or
    /// <see cref="UNet.MambaIRUNetConfig"/>); null detects it from the checkpoint's keys and shapes.</summary>
    public INetworkConfig? Config { get; init; }
    /// <summary>Top-level key of the weights (<c>auto</c>: params_ema, else params, else a flat dict).</summary>
    public string ParamKey { get; init; } = "auto";
    /// <summary>Where the weights go (default CPU).</summary>
    public Device? Device { get; init; }
    /// <summary>Floating dtype of the weights (float32 or float64); float16/bfloat16 files are converted.</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;
    /// <summary>What the model is for; null infers it (<see cref="ModelPurposes.Infer"/>).</summary>
    public ModelPurpose? Purpose { get; init; }
    /// <summary>MambaIRv2's routing (default deterministic); ignored by the other families.</summary>
    public MambaIRv2Routing? Routing { get; init; }
}

/// <summary>
/// Loads checkpoints of every family (MambaIR v1, MambaIRv2 / MambaIRv2-light, the real-denoising U-Net) as
/// <see cref="ModelDescriptor"/>s: reads the file (<see cref="Checkpoint.Load"/>), detects the family and the
/// architecture (<see cref="ConfigDetector.DeriveNetwork"/>) unless one is given, builds the network, copies every tensor
/// by name with strict checking (<see cref="StrictStateDict.Copy"/>) and puts it in eval mode. Missing keys, unexpected
/// keys and shape mismatches (key, expected, found) are reported together in a <see cref="CheckpointException"/> naming the file.
/// </summary>
public static class ModelLoader
{
    /// <summary>Loads a checkpoint file into a new network in eval mode.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="CheckpointException">Unreadable file, not a checkpoint of a known family, or keys/shapes that do not match.</exception>
    public static ModelDescriptor Load(string path, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        using var sd = Checkpoint.Load(path, options.ParamKey);
        return Load(sd, options, path);
    }

    /// <summary>Loads weights already in memory (e.g. from <see cref="SafeTensors.Read"/>); <paramref name="source"/> names them in errors.</summary>
    public static ModelDescriptor Load(IReadOnlyDictionary<string, Tensor> stateDict, ModelLoadOptions? options = null, string? source = null)
    {
        options ??= new ModelLoadOptions();
        source ??= (stateDict as StateDict)?.Source ?? "state dict";
        if (options.DType is not (ScalarType.Float32 or ScalarType.Float64 or ScalarType.BFloat16 or ScalarType.Float16))
            throw new ArgumentException($"model dtype must be float32, float64, bfloat16 or float16, got {options.DType}");
        var shapes = StateDictLayout.Of(StateDictKeys.WithoutModulePrefix(stateDict));
        INetworkConfig config;
        try { config = Validated(options.Config) ?? ConfigDetector.DeriveNetwork(shapes); }
        catch (InvalidDataException e) { throw new CheckpointException(source, e.Message, e); }

        var model = Build(config, options.Routing);
        try
        {
            model.to(options.DType);
            var device = options.Device ?? CPU;
            model.to(device);
            StrictStateDict.Copy(model, stateDict, source, $"{config.Architecture.Label()} ({config})");
            model.eval();
            var fileDTypes = stateDict.Values.Select(t => t.dtype.ToString()).Distinct().ToArray();
            long count = model.parameters().Sum(p => p.numel());
            var description = ModelDescription.For(config, count);
            string name = File.Exists(source) ? Path.GetFileNameWithoutExtension(source) : description.Variant;
            return ModelDescriptor.ForNetwork(name, model, config, description,
                options.Purpose ?? ModelPurposes.Infer(config, source), device, options.DType, owned: model, source: source,
                paramKey: (stateDict as StateDict)?.ParamKey, fileDTypes: fileDTypes);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A network of <paramref name="preset"/>'s architecture (any family) with freshly initialised weights (seeded),
    /// marked <see cref="ModelDescriptor.Untrained"/>: for benchmarks and as the start of training.
    /// </summary>
    public static ModelDescriptor Untrained(INetworkPreset preset, Device? device = null, ScalarType dtype = ScalarType.Float32, long seed = 0)
    {
        torch.manual_seed(seed);
        var model = Build(preset.Config, null);
        try
        {
            model.to(dtype);
            var dev = device ?? CPU;
            model.to(dev);
            model.eval();
            long count = model.parameters().Sum(p => p.numel());
            return ModelDescriptor.ForNetwork(preset.Name, model, preset.Config, ModelDescription.For(preset.Config, count),
                ModelPurposes.Infer(preset.Config, preset.Name), dev, dtype, owned: model, untrained: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    static INetworkConfig? Validated(INetworkConfig? config) => config switch
    {
        null => null,
        MambaIRConfig v1 => v1.Validate(),
        MambaIRv2Config v2 => v2.Validate(),
        UNet.MambaIRUNetConfig u => u.Validate(),
        _ => config,
    };

    static nn.Module<Tensor, Tensor> Build(INetworkConfig config, MambaIRv2Routing? routing)
    {
        var model = config.CreateNetwork();
        if (routing is not null && model is MambaIRv2Net v2) v2.Routing = routing;
        return model;
    }
}
