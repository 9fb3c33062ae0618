using System.Runtime.InteropServices;

namespace MambaIR.Native;

/// <summary>
/// glibc's malloc settings for a process that allocates and frees tensors of tens to hundreds of MB many times a second.
/// By default glibc serves blocks above its mmap threshold (128 KiB, adapting up to 32 MiB) with a fresh mapping and
/// unmaps it on free, so every such tensor costs page faults on first touch (the kernel zeroes each 4 KiB page): a whole
/// photo through the network spent more time faulting than computing. <see cref="KeepFreedMemory"/> turns mmap off for
/// malloc (M_MMAP_MAX = 0: every block comes from the heap) and raises the trim threshold (M_TRIM_THRESHOLD = 1 GiB), so
/// freed tensors stay in the process and the next ones reuse their pages. The resident set is then the peak of the live
/// tensors plus at most 1 GiB of free heap kept for reuse. Measured on MambaIR-light ×2, 256×256, 2 threads: system time
/// 475 → 71 ms per image, page faults 202,501 → 9,853, forward 4.31 → 4.20 s; a fixed 32 MiB threshold instead left the
/// larger tensors mapped (16,542 faults, 103 ms). It also keeps every thread on the main heap (M_ARENA_MAX = 1): a thread
/// that allocates while another holds the heap's lock otherwise gets an arena of its own, whose free memory the other
/// threads cannot reuse and whose blocks above 64 MiB are mapped and unmapped regardless of M_MMAP_MAX (light ×2 at
/// 256×256: peak 4.10 → 2.36 KiB per input pixel, page faults 67,028 → 38,262).
/// Nothing is changed when the user set malloc tunables (<c>GLIBC_TUNABLES</c>, <c>MALLOC_*</c>), outside glibc, or where
/// another malloc was preloaded (<see cref="ProcessAllocator"/>): glibc's settings then govern nothing, and every method
/// here does nothing.
/// </summary>
public static class GlibcHeap
{
    const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3, M_MMAP_MAX = -4, M_ARENA_MAX = -8;
    /// <summary>glibc's default for M_MMAP_MAX.</summary>
    const int DefaultMmapMax = 65536;
    public const int TrimThresholdBytes = 1 << 30;

    static bool _applied;

    /// <summary>glibc serves malloc in this process: Linux, and no other malloc preloaded.</summary>
    static bool ServesMalloc => OperatingSystem.IsLinux() && ProcessAllocator.Implementation == MallocImplementation.Glibc;

    /// <summary>True once <see cref="KeepFreedMemory"/> changed the settings.</summary>
    public static bool Applied => _applied;

    /// <summary>Applies the settings (again, if called again). Returns false where they were not applied.</summary>
    public static bool KeepFreedMemory()
    {
        if (!ServesMalloc || UserTuned()) return false;
        _applied = Set(M_MMAP_MAX, 0) && Set(M_TRIM_THRESHOLD, TrimThresholdBytes) && Set(M_ARENA_MAX, 1);
        return _applied;
    }

    /// <summary>
    /// Serves blocks of at least <paramref name="thresholdBytes"/> with their own mappings again, so a freed block leaves the
    /// resident set at once (for measuring peaks); <see cref="KeepFreedMemory"/> undoes it.
    /// </summary>
    public static void MapLargeBlocks(int thresholdBytes)
    {
        if (!ServesMalloc) return;
        Set(M_MMAP_MAX, DefaultMmapMax);
        Set(M_MMAP_THRESHOLD, thresholdBytes);
    }

    /// <summary>Hands free heap pages back to the kernel (malloc_trim).</summary>
    public static void ReleaseFreeMemory()
    {
        if (!ServesMalloc) return;
        try { malloc_trim(0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    /// <summary>
    /// <see cref="ReleaseFreeMemory"/> when the main heap holds more than <paramref name="bytes"/> free (mallinfo2's fordblks):
    /// returning a little free memory saves nothing and costs page faults when it is used again. (A preloaded malloc keeps its
    /// freed pages for the next step instead: they are reused without a page fault, and its peak follows the live set.)
    /// </summary>
    public static void ReleaseFreeMemoryAbove(long bytes)
    {
        if (!ServesMalloc) return;
        try
        {
            if ((long)mallinfo2().fordblks > bytes) malloc_trim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    static bool UserTuned() =>
        Environment.GetEnvironmentVariable("GLIBC_TUNABLES") is { Length: > 0 } t && t.Contains("malloc", StringComparison.Ordinal)
        || Environment.GetEnvironmentVariables().Keys.Cast<string>().Any(k => k.StartsWith("MALLOC_", StringComparison.Ordinal));

    static bool Set(int param, int value)
    {
        try { return mallopt(param, value) == 1; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    [DllImport("libc.so.6")] static extern int mallopt(int param, int value);
    [DllImport("libc.so.6")] static extern int malloc_trim(nuint pad);
    [DllImport("libc.so.6")] static extern MallInfo2 mallinfo2();

    [StructLayout(LayoutKind.Sequential)]
    struct MallInfo2 { public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost; }
}
