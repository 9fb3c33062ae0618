using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Native;

/// <summary>
/// How much memory one network call may plan to use. Default: a quarter of the device's physical memory (main memory,
/// as the process may use it: container limits count; on CUDA the card's memory), never more than is free now.
/// </summary>
public sealed record MemoryBudget
{
    /// <summary>The default share of physical memory.</summary>
    public const double DefaultFraction = 0.25;

    /// <summary>A fixed number of bytes, or null for <see cref="DefaultFraction"/> of physical memory.</summary>
    public long? Bytes { get; init; }

    /// <summary>The default budget.</summary>
    public static MemoryBudget Default { get; } = new();

    /// <summary>A budget of <paramref name="bytes"/>.</summary>
    public static MemoryBudget Of(long bytes) => bytes > 0 ? new MemoryBudget { Bytes = bytes }
        : throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "a memory budget must be positive");

    /// <summary>The bytes for <paramref name="device"/> given <paramref name="available"/> free bytes (null: unknown).</summary>
    public long? For(Device device, long? available)
    {
        long? limit = Bytes ?? (PhysicalBytes(device) is { } total ? (long)(total * DefaultFraction) : null);
        if (limit is null) return available;
        return available is { } free ? Math.Min(limit.Value, free) : limit;
    }

    /// <summary>Physical memory of <paramref name="device"/>: main memory for the CPU (honouring container limits), the card's for CUDA.</summary>
    public static long? PhysicalBytes(Device device) => device.type switch
    {
        DeviceType.CPU => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        DeviceType.CUDA => AvailableMemory.CudaTotal(device.index < 0 ? 0 : device.index),
        _ => null,
    };

    /// <summary>Printed form, e.g. <c>6.0 GB (a quarter of physical memory)</c>.</summary>
    public string Describe(Device device, long? available) => For(device, available) is { } b
        ? $"{b / 1e9:F1} GB{(Bytes is null ? " (a quarter of physical memory)" : "")}"
        : "unknown";
}
