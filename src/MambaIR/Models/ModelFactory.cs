using MambaIR.Models.Baselines;

namespace MambaIR.Models;

/// <summary>
/// Turns a model name into a <see cref="ModelDescriptor"/>. The sources, tried in order (the first that recognises the
/// name builds it):
/// <list type="number">
/// <item>a checkpoint file (<c>.pth</c>, <c>.pt</c>, <c>.ckpt</c>, <c>.safetensors</c>; architecture detected from the weights);</item>
/// <item>a bundled model (<see cref="BundledModels"/>);</item>
/// <item><c>bicubic</c>: MATLAB bicubic for super-resolution, TextZoom's PyTorch bicubic for text SR;</item>
/// <item><c>identity</c>: the degraded input, for denoising and JPEG artifact removal;</item>
/// <item>a preset name of any family (<see cref="NetworkPresets"/>): the architecture with random weights (<see cref="ModelDescriptor.Untrained"/>).</item>
/// </list>
/// </summary>
public static class ModelFactory
{
    sealed record Source(string Kind, Func<string, bool> Recognises, Func<string, ModelRequest, ModelDescriptor> Build);

    static readonly Source[] Sources =
    [
        new("checkpoint", File.Exists, LoadCheckpoint),
        new("bundled model", name => BundledModels.Find(name) != null, (name, r) => LoadCheckpoint(BundledModels.Find(name)!, r)),
        new("bicubic", name => Is(name, "bicubic"), Bicubic),
        new("identity", name => Is(name, "identity"), Identity),
        new("preset", name => NetworkPresets.All.Any(p => Is(name, p.Name)), UntrainedPreset),
    ];

    /// <summary>The names that are not files: baselines, bundled models and presets, for help texts and errors.</summary>
    public static IReadOnlyList<string> Names =>
        ["bicubic", "identity", .. BundledModels.Names, .. NetworkPresets.All.Select(p => p.Name)];

    /// <summary>Builds the model <paramref name="name"/> names.</summary>
    /// <exception cref="FileNotFoundException">Neither a file nor a known name.</exception>
    /// <exception cref="ArgumentException">A baseline that does not fit the request (e.g. bicubic without a scale, identity for SR).</exception>
    /// <exception cref="Checkpoints.CheckpointException">The file is not a usable checkpoint.</exception>
    public static ModelDescriptor Create(string name, ModelRequest? request = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        request ??= new ModelRequest();
        string trimmed = name.Trim();
        foreach (var source in Sources)
            if (source.Recognises(trimmed)) return source.Build(trimmed, request);
        throw new FileNotFoundException(
            $"model '{name}': no such file, and not a known name ({string.Join(", ", Names)}); give a MambaIR, MambaIRv2 or MambaIR U-Net checkpoint (.pth or .safetensors)", name);
    }

    static bool Is(string name, string known) => string.Equals(name, known, StringComparison.OrdinalIgnoreCase);

    static ModelDescriptor LoadCheckpoint(string path, ModelRequest r) =>
        ModelLoader.Load(path, new ModelLoadOptions { Device = r.Device, DType = r.DType, ParamKey = r.ParamKey, Purpose = NetworkPurpose(r.Purpose), Routing = r.Routing });

    static ModelDescriptor UntrainedPreset(string name, ModelRequest r)
    {
        var descriptor = ModelLoader.Untrained(NetworkPresets.Get(name), r.Device, r.DType);
        if (r.Routing is not null && descriptor.Model is V2.MambaIRv2Net v2) v2.Routing = r.Routing;
        return descriptor;
    }

    /// <summary>A network evaluated for text SR is still an SR network; other requested purposes override the inferred one.</summary>
    static ModelPurpose? NetworkPurpose(ModelPurpose? requested) => requested == ModelPurpose.TextSuperResolution ? null : requested;

    static ModelDescriptor Bicubic(string name, ModelRequest r) => r.Purpose switch
    {
        ModelPurpose.TextSuperResolution => BaselineModels.TextZoomBicubic(),
        null or ModelPurpose.SuperResolution => BaselineModels.MatlabBicubic(
            r.Scale ?? throw new ArgumentException("the bicubic baseline needs a scale (2, 3 or 4)"), r.Channels ?? 3),
        var p => throw new ArgumentException($"bicubic is the super-resolution baseline; for {p.Value.Describe(1)} compare with identity (the degraded input itself)"),
    };

    static ModelDescriptor Identity(string name, ModelRequest r) => r.Purpose switch
    {
        ModelPurpose.Denoising or ModelPurpose.JpegArtifactRemoval => BaselineModels.Identity(r.Purpose.Value,
            r.Channels ?? (r.Purpose == ModelPurpose.JpegArtifactRemoval ? 1 : 3)),
        null => throw new ArgumentException("the identity baseline needs a same-size task (denoising or JPEG artifact removal)"),
        var p => throw new ArgumentException($"identity is the baseline of same-size tasks; for {p.Value.Describe(r.Scale ?? 2)} compare with bicubic"),
    };
}
