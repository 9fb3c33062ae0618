using MambaIR.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// A runnable image model and what it is, in the spirit of spandrel's <c>ImageModelDescriptor</c>: a network with its
/// weights (or a baseline such as bicubic), the device and dtype it runs in, its scale, input and output channels,
/// purpose, the input sizes it accepts, whether tiling is safe, and its memory per pixel (measured on first use).
/// <see cref="Run"/> takes a (B, C, H, W) batch in [0, 1] and returns (B, C', s·H, s·W). Restore, evaluation, TextZoom
/// evaluation and training validation all run models through this type; <see cref="ModelFactory"/> makes one from a
/// name or a file, <see cref="ModelLoader"/> from a checkpoint. Dispose to free the weights it owns.
/// </summary>
public sealed class ModelDescriptor : IDisposable
{
    readonly Func<Tensor, Tensor> _forward;
    readonly IDisposable? _owned;
    readonly Lazy<PeakMemory?> _memory;
    readonly Lazy<long?> _available;

    ModelDescriptor(string name, ModelPurpose purpose, int scale, int inputChannels, int outputChannels, Device device, ScalarType dtype,
        Func<Tensor, Tensor> forward, nn.Module<Tensor, Tensor>? model, IDisposable? owned, bool baseline, SizeRequirements size,
        string summary, PeakMemory? memory)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "a model's scale must be at least 1");
        if (inputChannels < 1 || outputChannels < 1) throw new ArgumentOutOfRangeException(nameof(inputChannels), "a model needs at least one channel");
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16))
            throw new ArgumentException($"dtype {dtype} is not a floating-point type");
        Name = name; Purpose = purpose; Scale = scale; InputChannels = inputChannels; OutputChannels = outputChannels;
        Device = device; DType = dtype; _forward = forward; Model = model; _owned = owned; IsBaseline = baseline; Size = size;
        Summary = summary;
        _available = new Lazy<long?>(() => AvailableMemory.Bytes(Device));
        _memory = memory is not null || baseline
            ? new Lazy<PeakMemory?>(memory)
            : new Lazy<PeakMemory?>(() => { _ = _available.Value; return MemoryProbe.Measure(Run, InputChannels, Device, DType); });
    }

    /// <summary>Short name for messages and default output suffixes (the checkpoint's file name, or the baseline's name).</summary>
    public string Name { get; }
    /// <summary>What the model is for.</summary>
    public ModelPurpose Purpose { get; }
    /// <summary>Output size ÷ input size (1 for denoising and artifact removal).</summary>
    public int Scale { get; }
    /// <summary>Channels the model takes: 1 (grey) or 3 (RGB) for image models.</summary>
    public int InputChannels { get; }
    /// <summary>Channels the model returns.</summary>
    public int OutputChannels { get; }
    /// <summary>Where the model runs; inputs are moved here.</summary>
    public Device Device { get; }
    /// <summary>The dtype inputs are converted to.</summary>
    public ScalarType DType { get; }
    /// <summary>The network, or null for a baseline or a model given as a function.</summary>
    public nn.Module<Tensor, Tensor>? Model { get; }
    /// <summary>True for a baseline without weights (bicubic, identity).</summary>
    public bool IsBaseline { get; }
    /// <summary>
    /// True when running the model on overlapping tiles and blending them is a sound way to bound memory. Networks: yes
    /// (results change slightly, since MambaIR's receptive field is global). Baselines: no — they are cheap and defined on
    /// the whole image (MATLAB bicubic's borders), so they always run whole.
    /// </summary>
    public bool TilingSafe => !IsBaseline;
    /// <summary>Input sizes the model accepts.</summary>
    public SizeRequirements Size { get; }
    /// <summary>One line on what the model is (architecture, parameters, source), for reports.</summary>
    public string Summary { get; }
    /// <summary>The network's hyper-parameters, of any family (<see cref="MambaIRConfig"/>, <see cref="V2.MambaIRv2Config"/>,
    /// <see cref="UNet.MambaIRUNetConfig"/>), for networks loaded or built from them; null for baselines and function models.</summary>
    public INetworkConfig? Network { get; private init; }
    /// <summary>The MambaIR v1 hyper-parameters, for v1 networks (null for the other families: see <see cref="Network"/>).</summary>
    public MambaIRConfig? Config => Network as MambaIRConfig;
    /// <summary>What the architecture is (variant, preset, parameter count), for networks.</summary>
    public ModelDescription? Architecture { get; private init; }
    /// <summary>The checkpoint file, when loaded from one.</summary>
    public string? Source { get; private init; }
    /// <summary>The top-level key the weights came from (e.g. <c>params</c>), or null for a flat file.</summary>
    public string? ParamKey { get; private init; }
    /// <summary>The dtypes of the tensors in the file (e.g. <c>Float32</c>).</summary>
    public IReadOnlyList<string> FileDTypes { get; private init; } = [];
    /// <summary>True for a network whose weights are random (a preset without a checkpoint): useful for benchmarks and as a training start, not for restoring images.</summary>
    public bool Untrained { get; private init; }

    /// <summary>Peak memory of one call as a function of the input size (measured on first use), or null when unknown or negligible.</summary>
    public PeakMemory? Memory => _memory.Value;

    /// <summary>
    /// Bytes free for tensors on <see cref="Device"/> when first asked (before the memory probe ran). Read once: on CUDA,
    /// libtorch's caching allocator keeps freed blocks, so the driver's free memory shrinks after the first image although
    /// that memory is reusable.
    /// </summary>
    public long? AvailableBytes() => _available.Value;

    /// <summary>
    /// Runs the model under <c>no_grad</c> on a (B, <see cref="InputChannels"/>, H, W) batch in [0, 1] (moved to
    /// <see cref="Device"/> and <see cref="DType"/> when needed) and returns the (B, <see cref="OutputChannels"/>, s·H, s·W)
    /// result on <see cref="Device"/>, unclamped, in <see cref="DType"/> (float32 for a bfloat16 or float16 model). The result
    /// belongs to the caller's dispose scope.
    /// </summary>
    /// <exception cref="ArgumentException">The batch is not 4-D, has the wrong channel count, or a size the model does not accept.</exception>
    public Tensor Run(Tensor batch)
    {
        if (batch.dim() != 4 || batch.shape[1] != InputChannels)
            throw new ArgumentException($"{Name} takes (B, {InputChannels}, H, W) batches, got ({string.Join(", ", batch.shape)})");
        if (!Size.Accepts(batch.shape[2], batch.shape[3]))
            throw new ArgumentException($"{Name} does not accept {batch.shape[3]}×{batch.shape[2]} inputs ({Size})");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var inputType = MixedPrecision.ImageType(DType);
        var x = batch.device == Device && batch.dtype == inputType ? batch : batch.to(inputType, Device);
        var y = _forward(x);
        // Reduced-precision networks hand back float32, so that metrics and image writing see the usual type.
        if (Ops.SelectiveScan.IsReduced(y.dtype)) y = y.to(ScalarType.Float32);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A network as a descriptor. <paramref name="owned"/> is disposed with the descriptor (the loaded network); pass null
    /// for a network whose lifetime the caller manages (e.g. the network being trained, for validation). The network is
    /// put in eval mode by <see cref="Run"/>'s callers' choice: this constructor does not change its mode.
    /// </summary>
    public static ModelDescriptor ForNetwork(string name, nn.Module<Tensor, Tensor> network, INetworkConfig config, ModelDescription architecture,
        ModelPurpose purpose, Device device, ScalarType dtype, IDisposable? owned = null, string? source = null, string? paramKey = null,
        IReadOnlyList<string>? fileDTypes = null, bool untrained = false, PeakMemory? memory = null)
    {
        string family = config.Architecture == NetworkArchitecture.MambaIR ? "MambaIR" : config.Architecture.ToString();
        string summary = $"{family} {architecture.Variant} ({config}), {architecture.Parameters:N0} parameters{(source != null ? $", {source}" : untrained ? ", random weights" : "")}";
        return new ModelDescriptor(name, purpose, config.Scale, config.InChans, config.OutChans, device, dtype, network.forward, network, owned,
            baseline: false, SizeRequirements.Any, summary, memory)
        {
            Network = config, Architecture = architecture, Source = source, ParamKey = paramKey, FileDTypes = fileDTypes ?? [], Untrained = untrained,
        };
    }

    /// <summary>
    /// A baseline (no weights) as a descriptor: <paramref name="forward"/> maps (B, C, H, W) to (B, C, s·H, s·W) on the CPU in float32.
    /// Baselines are not tiled and their memory is not measured.
    /// </summary>
    public static ModelDescriptor ForBaseline(string name, ModelPurpose purpose, int scale, int channels, Func<Tensor, Tensor> forward, string summary) =>
        new(name, purpose, scale, channels, channels, CPU, ScalarType.Float32, forward, model: null, owned: null, baseline: true,
            SizeRequirements.Any, summary, memory: null);

    /// <summary>
    /// Any function as a model (a network built elsewhere, a test stand-in): tiled like a network, its memory measured on
    /// first use unless <paramref name="memory"/> is given.
    /// </summary>
    public static ModelDescriptor ForFunction(string name, Func<Tensor, Tensor> forward, int scale, int channels,
        ModelPurpose purpose = ModelPurpose.SuperResolution, Device? device = null, ScalarType dtype = ScalarType.Float32, PeakMemory? memory = null,
        IDisposable? owned = null) =>
        new(name, purpose, scale, channels, channels, device ?? CPU, dtype, forward, model: null, owned, baseline: false,
            SizeRequirements.Any, $"{name}: a function model, ×{scale}, {channels} channel(s)", memory);

    /// <summary>Frees the weights this descriptor owns.</summary>
    public void Dispose() => _owned?.Dispose();
}
