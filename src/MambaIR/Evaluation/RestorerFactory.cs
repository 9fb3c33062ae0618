using MambaIR.Native;

namespace MambaIR.Evaluation;

/// <summary>A restorer built from the user's <c>--model</c> value, with the published tables that apply to it.</summary>
/// <param name="Restorer">The restorer (owned by the caller).</param>
/// <param name="PublishedTables">Published tables to show beside its results.</param>
public sealed record LoadedRestorer(IRestorer Restorer, IReadOnlyList<string> PublishedTables) : IDisposable
{
    /// <summary>Disposes the restorer.</summary>
    public void Dispose() => Restorer.Dispose();
}

/// <summary>
/// Turns <c>--model</c> into a restorer: <c>bicubic</c> (SR baseline), <c>identity</c> (denoising / CAR baseline: the
/// degraded input), or a checkpoint file run under the test procedure.
/// </summary>
public static class RestorerFactory
{
    /// <summary>Builds the restorer for <paramref name="model"/>.</summary>
    /// <param name="model"><c>bicubic</c>, <c>identity</c> or a checkpoint path.</param>
    /// <param name="task">The task (decides the baseline's scale and the published tables).</param>
    /// <param name="level">Scale / σ / quality.</param>
    /// <param name="procedure">Tiling / self-ensemble for networks.</param>
    /// <param name="device">Device for networks (<c>auto</c>, <c>cpu</c>, <c>cuda[:N]</c>).</param>
    /// <param name="greyBaseline">Baselines work on grey images (for grey denoising / CAR); networks take their channels from the checkpoint.</param>
    public static LoadedRestorer Create(string model, RestorationTask task, int level, TestProcedure procedure, string device, bool greyBaseline = false)
    {
        int baselineChannels = greyBaseline || task == RestorationTask.JpegArtifactRemoval ? 1 : 3;
        switch (model.Trim().ToLowerInvariant())
        {
            case "bicubic":
                if (task != RestorationTask.SuperResolution)
                    throw new ArgumentException($"--model bicubic is the SR baseline; for --task {task.ShortName()} use --model identity (the degraded input itself)");
                if (procedure.SelfEnsemble) throw new ArgumentException("--self-ensemble has no effect on --model bicubic; leave it out");
                return new(new BicubicRestorer(level, baselineChannels), ["bicubic"]);
            case "identity":
                if (task == RestorationTask.SuperResolution)
                    throw new ArgumentException("--model identity needs a same-size task (--task denoise or jpeg); for SR use --model bicubic");
                if (procedure.SelfEnsemble) throw new ArgumentException("--self-ensemble has no effect on --model identity; leave it out");
                return new(new IdentityRestorer(baselineChannels), [TableFor(task, light: false)]);
        }
        if (!File.Exists(model))
            throw new FileNotFoundException($"--model {model}: no such checkpoint file (use a .pth/.safetensors path, 'bicubic' or 'identity')", model);
        return NetworkModels.Load(model, task, procedure, ComputeDevice.Resolve(device));
    }

    internal static string TableFor(RestorationTask task, bool light) => task switch
    {
        RestorationTask.SuperResolution => light ? "light" : "classic",
        RestorationTask.Denoising => "color-dn",
        _ => "jpeg-car",
    };
}
