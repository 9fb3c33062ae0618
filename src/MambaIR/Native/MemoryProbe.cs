using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Native;

/// <summary>
/// A network's peak memory as a + b·pixels, with a safety margin. Measured, not modelled: what a forward pass keeps alive
/// depends on the network code and on the selective-scan backend (the reference scan materialises (B, D, L, N) tensors,
/// a fused kernel does not), so the probe runs the network on two small inputs and fits the line.
/// </summary>
public sealed record PeakMemory(double FixedBytes, double BytesPerPixel)
{
    /// <summary>Estimates are multiplied by this, for allocator fragmentation and measurement noise.</summary>
    public const double SafetyFactor = 1.3;

    /// <summary>Estimated peak bytes of one call on an h×w input.</summary>
    public long Bytes(long height, long width) => (long)(SafetyFactor * (FixedBytes + BytesPerPixel * height * width));
}

/// <summary>
/// Measures <see cref="PeakMemory"/> by running the network on <see cref="SmallSide"/>² and <see cref="LargeSide"/>² inputs.
/// CPU (Linux): the rise of the process's peak resident set (VmHWM, reset through /proc/self/clear_refs), from a heap whose
/// free memory went back to the kernel first (glibc also serves large blocks with mmap meanwhile). CUDA: the fall in the driver's free memory, which
/// libtorch's caching allocator keeps at its high-water mark. Returns null where neither is available.
/// </summary>
public static class MemoryProbe
{
    /// <summary>
    /// The two input sides. The larger is 64 so that the per-pixel part of the peak (3 840 pixels more than the small input:
    /// megabytes for any MambaIR) stands well above what the allocator adds or keeps from one call to the next. With 16 and
    /// 24 (320 pixels apart) a restore with the bundled MambaIR-light ×2 estimated 0.5–3.8 kB per pixel in five runs (jemalloc,
    /// a fresh process each); with 16 and 64 and the warm-up at 64, 1.3–1.6 kB (docs/BENCHMARKS.md §9).
    /// </summary>
    public const int SmallSide = 16, LargeSide = 64;
    /// <summary>Measurements of the pair of sizes before giving up (returning null: memory unknown).</summary>
    const int MaxAttempts = 3;

    /// <summary>Measures the peak memory of <paramref name="forward"/>, or returns null when this platform cannot measure it.</summary>
    /// <param name="forward">The network (called under <c>no_grad</c>).</param>
    /// <param name="channels">Input channels.</param>
    /// <param name="device">Where the network runs.</param>
    /// <param name="dtype">The dtype of its inputs.</param>
    public static PeakMemory? Measure(Func<Tensor, Tensor> forward, int channels, Device device, ScalarType dtype)
    {
        Func<Action, long?>? meter = device.type switch
        {
            DeviceType.CPU when OperatingSystem.IsLinux() => CpuPeak,
            DeviceType.CUDA => action => CudaPeak(action, device.index < 0 ? 0 : device.index),
            _ => null,
        };
        if (meter is null) return null;
        long? Run(int side) => meter(() =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = rand(new long[] { 1, channels, side, side }, dtype: dtype, device: device);
            forward(x);
            if (device.type == DeviceType.CUDA) cuda.synchronize();
        });
        long? small = null, large = null;
        try
        {
            // Warm-up at the large size: one-off allocations (thread pools, CUDA context, kernels, and the buffers that BLAS
            // and the kernels keep once a call has needed them, which grow with the input) are not per-pixel costs.
            Run(LargeSide);
            // The rise of a process-wide peak is lowered when other threads free memory during the run (finalizers,
            // thread pools), so each size keeps the largest of its readings; and the larger input must need more memory,
            // else the pair is taken again.
            for (int attempt = 0; attempt < MaxAttempts; attempt++)
            {
                small = Largest(Run, SmallSide, SmallReadings);
                large = Largest(Run, LargeSide, LargeReadings);
                if (small is null || large is null || large > small) break;
            }
        }
        finally
        {
            if (device.type == DeviceType.CPU) Heap.RestoreSettings();
        }
        if (small is not { } s || large is not { } l || l <= s) return null;
        double perPixel = Math.Max(0, (double)(l - s) / (LargeSide * LargeSide - SmallSide * SmallSide));
        double fixedBytes = Math.Max(0, s - perPixel * SmallSide * SmallSide);
        return new PeakMemory(fixedBytes, perPixel);
    }

    /// <summary>Readings of the small size, of which the largest is kept (cheap).</summary>
    const int SmallReadings = 3;
    /// <summary>Readings of the large size: each costs about as much as a 64×64 forward.</summary>
    const int LargeReadings = 2;

    static long? Largest(Func<int, long?> run, int side, int readings)
    {
        long? best = null;
        for (int i = 0; i < readings; i++)
        {
            if (run(side) is not { } v) return null;
            best = Math.Max(best ?? 0, v);
        }
        return best;
    }

    static long? CpuPeak(Action action)
    {
        try
        {
            Heap.MmapLargeBlocks();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Heap.ReleaseFreeMemory();
            File.WriteAllText("/proc/self/clear_refs", "5");
            long before = Status("VmRSS:");
            action();
            long peak = Status("VmHWM:");
            return before < 0 || peak < 0 ? null : Math.Max(0, peak - before);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    static long Status(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line.AsSpan(key.Length).Trim().TrimEnd("kB").Trim()) * 1024;
        return -1;
    }

    static long? CudaPeak(Action action, int ordinal)
    {
        if (AvailableMemory.Cuda(ordinal) is not { } before) return null;
        action();
        return AvailableMemory.Cuda(ordinal) is { } after ? Math.Max(0, before - after) : null;
    }

    /// <summary>
    /// The heap while measuring. glibc: blocks of 64 KiB and more get their own mappings, so every tensor leaves the
    /// resident set when freed (heap reuse would hide peaks); a preloaded allocator is left as it is (<see cref="GlibcHeap"/>
    /// does nothing then). Afterwards the process's settings come back: those of
    /// <see cref="GlibcHeap.KeepFreedMemory"/> when it applied them, else glibc's maximum fixed threshold of 32 MiB.
    /// </summary>
    static class Heap
    {
        public static void MmapLargeBlocks() => GlibcHeap.MapLargeBlocks(64 * 1024);

        public static void RestoreSettings()
        {
            if (GlibcHeap.Applied) GlibcHeap.KeepFreedMemory();
            else GlibcHeap.MapLargeBlocks(32 * 1024 * 1024);
        }

        /// <summary>
        /// Hands free heap pages back to the kernel (malloc_trim; a preloaded jemalloc's arenas are purged), so that memory
        /// freed by earlier work, still resident, is not silently reused by the measured call: reused pages would not raise
        /// the peak and the probe would read ~0. Within the call, freed pages are reused as in real work.
        /// </summary>
        public static void ReleaseFreeMemory() => ProcessAllocator.ReleaseFreeMemory();
    }
}
