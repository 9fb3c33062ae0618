using MambaIR.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Inference;

/// <summary>
/// A restoration network as inference sees it: a function from (N, C, h, w) images in [0, 1] to (N, C, s·h, s·w),
/// its scale s and channel count C, the device and dtype its inputs must have, and its peak memory use (given, or measured
/// by <see cref="MemoryProbe"/> the first time it is needed; used to choose tile sizes).
/// </summary>
public sealed class RestorationNetwork
{
    /// <param name="forward">The network; called inside <c>torch.no_grad()</c>.</param>
    /// <param name="scale">Output size ÷ input size (1 for denoising and artifact removal).</param>
    /// <param name="channels">Image channels the network takes and returns: 1 (grey) or 3 (RGB).</param>
    /// <param name="name">Short name for messages and default output suffixes.</param>
    /// <param name="device">Device inputs are moved to (default CPU).</param>
    /// <param name="dtype">Dtype inputs are converted to (default float32).</param>
    /// <param name="memory">Peak memory use, when known in advance; otherwise measured on first use.</param>
    public RestorationNetwork(Func<Tensor, Tensor> forward, int scale, int channels, string name = "network",
        Device? device = null, ScalarType dtype = ScalarType.Float32, PeakMemory? memory = null)
    {
        ArgumentNullException.ThrowIfNull(forward);
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be at least 1");
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "networks must take 1 (grey) or 3 (RGB) channels");
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16))
            throw new ArgumentException($"dtype {dtype} is not a floating-point type");
        Forward = forward; Scale = scale; Channels = channels; Name = name;
        Device = device ?? CPU; DType = dtype;
        _available = new Lazy<long?>(() => AvailableMemory.Bytes(Device));
        _memory = memory is null
            ? new Lazy<PeakMemory?>(() => { _ = _available.Value; return MemoryProbe.Measure(this); })
            : new Lazy<PeakMemory?>(memory);
    }

    public Func<Tensor, Tensor> Forward { get; }
    public int Scale { get; }
    public int Channels { get; }
    public string Name { get; }
    public Device Device { get; }
    public ScalarType DType { get; }
    readonly Lazy<PeakMemory?> _memory;
    readonly Lazy<long?> _available;

    /// <summary>Peak memory use of one call as a function of the input size, or null when it cannot be measured here.</summary>
    public PeakMemory? Memory => _memory.Value;

    /// <summary>Wraps a module: puts it in eval mode and uses its forward.</summary>
    public static RestorationNetwork FromModule(nn.Module<Tensor, Tensor> module, int scale, int channels, string name = "network",
        Device? device = null, ScalarType dtype = ScalarType.Float32, PeakMemory? memory = null)
    {
        module.eval();
        return new RestorationNetwork(module.forward, scale, channels, name, device, dtype, memory);
    }

    /// <summary>
    /// Bytes that were free for tensors on <see cref="Device"/> when first asked (before the memory probe ran), see
    /// <see cref="AvailableMemory"/>. Read once: on CUDA, libtorch's caching allocator keeps freed blocks, so the driver's
    /// free memory shrinks after the first image although that memory is reusable.
    /// </summary>
    public long? AvailableBytes() => _available.Value;
}
