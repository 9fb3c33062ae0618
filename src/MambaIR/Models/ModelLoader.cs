using MambaIR.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>Options for <see cref="ModelLoader"/>.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>The architecture; null detects it from the checkpoint's keys and shapes.</summary>
    public MambaIRConfig? Config { get; init; }
    /// <summary>Top-level key of the weights (<c>auto</c>: params_ema, else params, else a flat dict).</summary>
    public string ParamKey { get; init; } = "auto";
    /// <summary>Where the weights go (default CPU).</summary>
    public Device? Device { get; init; }
    /// <summary>Floating dtype of the weights (float32 or float64); float16/bfloat16 files are converted.</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;
}

/// <summary>
/// Loads MambaIR v1 checkpoints: reads the file (<see cref="Checkpoint.Load"/>), detects the architecture
/// (<see cref="ConfigDetector"/>) unless one is given, builds the network and copies every tensor by name with strict
/// checking. Missing keys, unexpected keys and shape mismatches (key, expected, found) are reported together in a
/// <see cref="CheckpointException"/> naming the file.
/// </summary>
public static class ModelLoader
{
    /// <summary>Loads a checkpoint file into a new network in eval mode.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="CheckpointException">Unreadable file, not a MambaIR v1 checkpoint, or keys/shapes that do not match.</exception>
    public static LoadedModel Load(string path, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        using var sd = Checkpoint.Load(path, options.ParamKey);
        return Load(sd, options, path);
    }

    /// <summary>Loads weights already in memory (e.g. from <see cref="SafeTensors.Read"/>); <paramref name="source"/> names them in errors.</summary>
    public static LoadedModel Load(IReadOnlyDictionary<string, Tensor> stateDict, ModelLoadOptions? options = null, string? source = null)
    {
        options ??= new ModelLoadOptions();
        source ??= (stateDict as StateDict)?.Source ?? "state dict";
        if (options.DType is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"model dtype must be float32 or float64, got {options.DType}");
        var shapes = StateDictLayout.Of(stateDict);
        MambaIRConfig config;
        try { config = options.Config?.Validate() ?? ConfigDetector.Derive(shapes); }
        catch (InvalidDataException e) { throw new CheckpointException(source, e.Message, e); }

        var model = new MambaIRNet(config);
        try
        {
            var target = model.state_dict();
            var problems = StateDictLayout.Compare(StateDictLayout.Of(target), shapes);
            if (problems.Count > 0)
                throw new CheckpointException(source, $"weights do not match MambaIR v1 ({config}): {string.Join("; ", problems)}");
            foreach (var (key, tensor) in stateDict)
                if (!tensor.is_floating_point())
                    throw new CheckpointException(source, $"{key} has dtype {tensor.dtype}; expected floating-point weights");
            model.to(options.DType);
            if (options.Device is { } device) model.to(device);
            using (no_grad())
                foreach (var (key, param) in model.state_dict())
                    param.copy_(stateDict[key]);
            model.eval();
            var fileDTypes = stateDict.Values.Select(t => t.dtype.ToString()).Distinct().ToArray();
            long count = model.parameters().Sum(p => p.numel());
            return new LoadedModel(model, ModelDescription.For(config, count), source, (stateDict as StateDict)?.ParamKey, fileDTypes);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
