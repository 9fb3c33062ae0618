using System.Runtime.InteropServices;

namespace MambaIR.Native;

/// <summary>The malloc implementation that serves the process (libtorch's CPU tensors come from it).</summary>
public enum MallocImplementation { Glibc, Jemalloc, Mimalloc, Tcmalloc }

/// <summary>
/// Which malloc serves this process and how to hand its free memory back. glibc's malloc is tuned in process
/// (<see cref="GlibcHeap"/>, which does nothing under another malloc); jemalloc, mimalloc or tcmalloc come in through <c>LD_PRELOAD</c> (the <c>mambair</c> launcher
/// preloads jemalloc where it is installed) and are then left to their own settings (<c>MALLOC_CONF</c> etc.).
/// Why jemalloc: a whole photo through the network allocates and frees tensors of hundreds of MB; glibc keeps the
/// process's peak near the live set only by handing free pages back after each residual group, which costs a page fault
/// per 4 KiB page when they are used again (light ×2, 512×512: system time 25 % of user time); jemalloc with decay off
/// (<c>dirty_decay_ms:-1,muzzy_decay_ms:-1</c>) reuses freed pages without fragmenting the peak (system time 1.2 %, peak
/// per input pixel no higher); docs/BENCHMARKS.md §9 has the figures.
/// </summary>
public static class ProcessAllocator
{
    static readonly Lazy<(MallocImplementation Kind, string? Path)> Detected = new(Detect);

    /// <summary>The malloc in use, read from the process's mappings (Linux); glibc elsewhere too, where nothing is read.</summary>
    public static MallocImplementation Implementation => Detected.Value.Kind;

    /// <summary>The shared library of a preloaded malloc, or null for glibc.</summary>
    public static string? LibraryPath => Detected.Value.Path;

    /// <summary>One line for diagnostics: the implementation, its library and version, and its settings from the environment.</summary>
    public static string Describe()
    {
        var (kind, path) = Detected.Value;
        string settings = kind switch
        {
            MallocImplementation.Jemalloc => Env("MALLOC_CONF") is { } c ? $", MALLOC_CONF={c}" : ", default settings",
            MallocImplementation.Mimalloc => string.Join("", Environment.GetEnvironmentVariables().Keys.Cast<string>()
                .Where(k => k.StartsWith("MIMALLOC_", StringComparison.Ordinal)).Order().Select(k => $", {k}={Env(k)}")),
            _ => "",
        };
        return kind switch
        {
            MallocImplementation.Glibc => GlibcHeap.Applied
                ? "glibc (no mmap for large blocks, trim threshold 1 GiB, one heap for all threads)"
                : "glibc (its own settings)",
            MallocImplementation.Jemalloc => $"jemalloc {JemallocVersion() ?? "(version unknown)"} ({path}){settings}",
            _ => $"{kind.ToString().ToLowerInvariant()} ({path}){settings}",
        };
    }

    /// <summary>
    /// Hands the allocator's free memory back to the kernel, so that what earlier work freed no longer counts in the
    /// resident set (before measuring a peak). Returns false where the allocator offers no way to do it.
    /// </summary>
    public static bool ReleaseFreeMemory()
    {
        switch (Implementation)
        {
            case MallocImplementation.Glibc:
                GlibcHeap.ReleaseFreeMemory();
                return OperatingSystem.IsLinux();
            case MallocImplementation.Jemalloc:
                // MALLCTL_ARENAS_ALL (4096): every arena's unused dirty and muzzy pages are purged.
                return Mallctl() is { } ctl && ctl("arena.4096.purge", 0, 0, 0, 0) == 0;
            case MallocImplementation.Mimalloc:
                return Call<MiCollect>("mi_collect") is { } collect && Invoke(() => collect(true));
            case MallocImplementation.Tcmalloc:
                return Call<Action>("MallocExtension_ReleaseFreeMemory") is { } release && Invoke(release);
            default:
                return false;
        }
    }

    /// <summary>Where a distribution's jemalloc package puts the library (Debian/Ubuntu libjemalloc2, Fedora/RHEL jemalloc);
    /// the <c>mambair</c> launcher (bash) searches the same list.</summary>
    public static readonly IReadOnlyList<string> JemallocLocations =
        ["/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2", "/usr/lib64/libjemalloc.so.2", "/usr/lib/libjemalloc.so.2", "/usr/local/lib/libjemalloc.so.2"];

    /// <summary>An installed jemalloc library, or null.</summary>
    public static string? InstalledJemalloc() => OperatingSystem.IsLinux() ? JemallocLocations.FirstOrDefault(File.Exists) : null;

    /// <summary>The settings the <c>mambair</c> launcher gives a jemalloc it preloads, unless <c>MALLOC_CONF</c> is set: freed pages are kept for reuse (no time-based purging).</summary>
    public const string JemallocSettings = "dirty_decay_ms:-1,muzzy_decay_ms:-1";

    /// <summary>The implementation a <c>/proc/PID/maps</c> listing shows: the first mapped jemalloc, mimalloc or tcmalloc library, else glibc.</summary>
    public static (MallocImplementation Kind, string? Path) FromMaps(IEnumerable<string> mapsLines)
    {
        foreach (var line in mapsLines)
        {
            int slash = line.IndexOf('/');
            if (slash < 0) continue;
            string path = line[slash..].Trim();
            string name = Path.GetFileName(path);
            MallocImplementation? kind =
                name.StartsWith("libjemalloc", StringComparison.Ordinal) ? MallocImplementation.Jemalloc :
                name.StartsWith("libmimalloc", StringComparison.Ordinal) ? MallocImplementation.Mimalloc :
                name.StartsWith("libtcmalloc", StringComparison.Ordinal) ? MallocImplementation.Tcmalloc : null;
            if (kind is { } k) return (k, path);
        }
        return (MallocImplementation.Glibc, null);
    }

    static (MallocImplementation, string?) Detect()
    {
        if (!OperatingSystem.IsLinux()) return (MallocImplementation.Glibc, null);
        try { return FromMaps(File.ReadLines("/proc/self/maps")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return (MallocImplementation.Glibc, null); }
    }

    static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    delegate int MallctlFn([MarshalAs(UnmanagedType.LPStr)] string name, nint oldp, nint oldlenp, nint newp, nuint newlen);
    delegate void MiCollect([MarshalAs(UnmanagedType.I1)] bool force);

    static MallctlFn? Mallctl() => Call<MallctlFn>("mallctl");

    static string? JemallocVersion()
    {
        if (Mallctl() is not { } ctl) return null;
        nint value = Marshal.AllocHGlobal(IntPtr.Size), length = Marshal.AllocHGlobal(IntPtr.Size);
        try
        {
            Marshal.WriteIntPtr(length, IntPtr.Size);
            if (ctl("version", value, length, 0, 0) != 0) return null;
            string? v = Marshal.PtrToStringAnsi(Marshal.ReadIntPtr(value));
            int dash = v?.IndexOf('-') ?? -1;
            return dash > 0 ? v![..dash] : v;
        }
        finally
        {
            Marshal.FreeHGlobal(value);
            Marshal.FreeHGlobal(length);
        }
    }

    static T? Call<T>(string symbol) where T : Delegate
    {
        if (LibraryPath is not { } path) return null;
        try
        {
            var handle = NativeLibrary.Load(path);
            return NativeLibrary.TryGetExport(handle, symbol, out var fn) ? Marshal.GetDelegateForFunctionPointer<T>(fn) : null;
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException) { return null; }
    }

    static bool Invoke(Action action)
    {
        action();
        return true;
    }
}
