using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace MambaIR.Native;

/// <summary>
/// Loads libtorch and TorchSharp's native bridge before the first tensor is made.
/// <list type="bullet">
/// <item>On systems whose libstdc++ lacks <c>GLIBCXX_3.4.32</c> (Debian 12, Ubuntu 22.04), a copy of
/// <c>libLibTorchSharp.so</c> whose need for that version is marked weak is written to a per-user cache
/// and loaded instead (the one symbol behind it, <c>std::ios_base_library_init()</c>, is never called).</item>
/// <item>An existing libtorch, such as a PyTorch install's <c>torch/lib</c> with CUDA, can be used instead of the
/// bundled CPU one: pass its folder, or set <c>MAMBAIR_LIBTORCH</c>.</item>
/// </list>
/// Call <see cref="EnsureInitialized"/> once at start-up; it is idempotent and thread-safe.
/// </summary>
public static class TorchRuntime
{
    /// <summary>Environment variable naming a folder with libtorch's shared libraries (e.g. <c>.../site-packages/torch/lib</c>).</summary>
    public const string LibTorchEnvironmentVariable = "MAMBAIR_LIBTORCH";
    /// <summary>Environment variable overriding where patched native libraries are cached.</summary>
    public const string CacheEnvironmentVariable = "MAMBAIR_NATIVE_CACHE";
    const string MissingVersion = "GLIBCXX_3.4.32";

    static readonly object Gate = new();
    static IntPtr _bridge;
    static readonly List<string> _log = new();

    /// <summary>True once libtorch and the bridge are loaded.</summary>
    public static bool IsInitialized { get; private set; }
    /// <summary>The folder libtorch was loaded from (bundled or external).</summary>
    public static string? LibTorchDirectory { get; private set; }
    /// <summary>True when an external libtorch (not the bundled CPU build) is in use.</summary>
    public static bool UsesExternalLibTorch { get; private set; }
    /// <summary>The path of the TorchSharp bridge that was loaded; differs from the packaged one when it was patched.</summary>
    public static string? BridgePath { get; private set; }
    /// <summary>What the loader did, step by step, for diagnostics (<c>mambair info --runtime</c>).</summary>
    public static IReadOnlyList<string> Log { get { lock (Gate) return _log.ToArray(); } }

    /// <summary>Loads the native libraries. <paramref name="libTorchDirectory"/> overrides <c>MAMBAIR_LIBTORCH</c>.</summary>
    public static void EnsureInitialized(string? libTorchDirectory = null)
    {
        lock (Gate)
        {
            if (IsInitialized) return;
            libTorchDirectory ??= Environment.GetEnvironmentVariable(LibTorchEnvironmentVariable);
            if (string.IsNullOrWhiteSpace(libTorchDirectory)) libTorchDirectory = null;
            if (OperatingSystem.IsLinux())
            {
                PreferBrieflySpinningOpenMpThreads();
                if (GlibcHeap.KeepFreedMemory())
                {
                    Note("malloc: glibc, no mmap for large blocks, trim threshold 1 GiB, one heap for all threads (freed tensors are reused, not unmapped)");
                    if (ProcessAllocator.InstalledJemalloc() is { } jemalloc)
                        Note($"  jemalloc is installed: LD_PRELOAD={jemalloc} MALLOC_CONF={ProcessAllocator.JemallocSettings} lowers system time on large images (the mambair launcher in a source checkout does this)");
                }
                else if (ProcessAllocator.Implementation != MallocImplementation.Glibc) Note($"malloc: {ProcessAllocator.Describe()}");
                LoadLinux(libTorchDirectory);
            }
            else if (libTorchDirectory != null) PreloadExternal(libTorchDirectory, ".dll", ".dylib");
            // Let TorchSharp run its own checks; with the bridge already resolved this is cheap.
            torch.InitializeDeviceType(DeviceType.CPU);
            IsInitialized = true;
        }
    }

    static void LoadLinux(string? external)
    {
        string bridge = FindPackagedBridge()
            ?? throw new DllNotFoundException(
                "TorchSharp's native bridge libLibTorchSharp.so was not found next to the application " +
                $"({AppContext.BaseDirectory}) nor under runtimes/linux-x64/native. Reinstall the application.");
        if (external != null)
            PreloadExternal(external, ".so");
        else
            PreloadBundled(Path.GetDirectoryName(bridge)!);

        BridgePath = bridge;
        if (!NativeLibrary.TryLoad(bridge, out _bridge))
        {
            string reason = DlError(bridge);
            if (!reason.Contains(MissingVersion, StringComparison.Ordinal))
                throw new DllNotFoundException($"Could not load {bridge}: {reason}");
            string patched = PatchedCopy(bridge);
            Note($"system libstdc++ lacks {MissingVersion}; loading weak-versioned copy {patched}");
            _bridge = NativeLibrary.Load(patched);
            BridgePath = patched;
        }
        Note($"loaded {BridgePath}");
        NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, Resolve);
    }

    /// <summary>
    /// How long libtorch's OpenMP threads spin after a parallel region before they sleep (<c>GOMP_SPINCOUNT</c>,
    /// libgomp's loop count, ~100 per microsecond: about 0.1 ms).
    /// </summary>
    public const string OpenMpSpinCount = "10000";

    /// <summary>
    /// libtorch's OpenMP threads spin after each parallel region for about 3 ms by default (300,000 loops), and up to
    /// minutes with <c>OMP_WAIT_POLICY=ACTIVE</c>. Here they share the cores with the selective-scan kernel's .NET threads,
    /// and long spinning starves those (MambaIR-light ×2 at 128×128: 12.4 s spinning, 2.1 s sleeping, on 2 cores), while
    /// sleeping at once (<c>PASSIVE</c>) makes every one of the thousands of small operations of a forward wake the other
    /// threads through the kernel. A short spin, about 0.1 ms, keeps the threads awake between consecutive operations and
    /// lets them sleep during the scan: on machine A (2 threads, idle, 3 alternating rounds) MambaIRv2-light ×2 at 64×64
    /// took 348–382 ms against 445–520 ms sleeping at once, MambaIR-light ×2 257–329 ms against 396–415 ms (see
    /// docs/BENCHMARKS.md). OpenMP reads its settings when libgomp loads, so they must be in the native environment before
    /// libtorch is loaded; a user's own <c>OMP_WAIT_POLICY</c> or <c>GOMP_SPINCOUNT</c> is left alone.
    /// </summary>
    static void PreferBrieflySpinningOpenMpThreads()
    {
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is { Length: > 0 }) return;
        if (Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is { Length: > 0 }) return;
        try
        {
            if (setenv("OMP_WAIT_POLICY", "PASSIVE", 0) == 0 && setenv("GOMP_SPINCOUNT", OpenMpSpinCount, 0) == 0)
                Note($"OMP_WAIT_POLICY=PASSIVE GOMP_SPINCOUNT={OpenMpSpinCount} (OpenMP threads spin about 0.1 ms, then sleep)");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name is "LibTorchSharp" or "libLibTorchSharp" or "libLibTorchSharp.so" ? _bridge : IntPtr.Zero;

    static void PreloadBundled(string nativeDir)
    {
        // The packaged libtorch sits in the same folder as the bridge (publish output) or in the
        // libtorch-cpu-linux-x64 package beside it in the NuGet cache (dotnet run / test).
        string? dir = File.Exists(Path.Combine(nativeDir, "libtorch_cpu.so")) ? nativeDir : null;
        dir ??= new[] { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native") }
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "libtorch_cpu.so")));
        if (dir == null)
            throw new DllNotFoundException(
                $"libtorch (libtorch_cpu.so) was not found next to {nativeDir}. Install the TorchSharp-cpu package, " +
                $"or point {LibTorchEnvironmentVariable} at an existing libtorch folder (e.g. a PyTorch install's torch/lib).");
        foreach (var lib in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
            Load(Path.Combine(dir, lib), required: true);
        LibTorchDirectory = dir;
    }

    static void PreloadExternal(string dir, params string[] extensions)
    {
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"the libtorch folder '{dir}' (from {LibTorchEnvironmentVariable} or the caller) is not a folder.");
        string ext = extensions[0];
        bool any = false;
        // Order matters: each library's dependencies are resolved by soname from those already loaded.
        foreach (var stem in new[] { "libc10", "libc10_cuda", "libtorch_cpu", "libtorch_cuda", "libtorch" })
        {
            string p = extensions.Select(e => Path.Combine(dir, stem + e)).FirstOrDefault(File.Exists) ?? "";
            bool required = stem is "libc10" or "libtorch_cpu" or "libtorch";
            if (p.Length == 0)
            {
                if (required)
                    throw new DllNotFoundException($"'{dir}' is not a libtorch folder: {stem}{ext} is missing there.");
                continue;
            }
            Load(p, required);
            any = true;
        }
        if (any) { LibTorchDirectory = dir; UsesExternalLibTorch = true; }
    }

    static void Load(string path, bool required)
    {
        if (NativeLibrary.TryLoad(path, out _)) { Note($"loaded {path}"); return; }
        string reason = DlError(path);
        if (required)
            throw new DllNotFoundException($"Could not load {path}: {reason}");
        Note($"skipped {path}: {reason}");
    }

    static string DlError(string path)
    {
        try { NativeLibrary.Load(path); return "unknown error"; }
        catch (Exception e) { return e.Message; }
    }

    /// <summary>Finds the packaged libLibTorchSharp.so for this process.</summary>
    internal static string? FindPackagedBridge()
    {
        const string file = "libLibTorchSharp.so";
        var candidates = new List<string>
        {
            Path.Combine(AppContext.BaseDirectory, file),
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", file),
        };
        string? asmDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (!string.IsNullOrEmpty(asmDir))
        {
            candidates.Add(Path.Combine(asmDir, file));
            // NuGet cache layout: torchsharp/<ver>/lib/net8.0/TorchSharp.dll -> torchsharp/<ver>/runtimes/linux-x64/native
            candidates.Add(Path.GetFullPath(Path.Combine(asmDir, "..", "..", "runtimes", "linux-x64", "native", file)));
        }
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>Writes (once) a copy of <paramref name="bridge"/> whose GLIBCXX_3.4.32 need is weak; returns its path.</summary>
    internal static string PatchedCopy(string bridge)
    {
        byte[] elf = File.ReadAllBytes(bridge);
        string key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(elf))[..16].ToLowerInvariant();
        string root = Environment.GetEnvironmentVariable(CacheEnvironmentVariable) is { Length: > 0 } c ? c
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create) is { Length: > 0 } l
                ? l : Path.GetTempPath(), "mambair", "native");
        string dir = Path.Combine(root, key);
        string target = Path.Combine(dir, "libLibTorchSharp.so");
        if (File.Exists(target)) return target;
        if (ElfVersionPatcher.MarkWeak(elf, MissingVersion) == 0)
            throw new DllNotFoundException($"{bridge} needs {MissingVersion} but the requirement could not be found to relax.");
        MambaIR.IO.AtomicFile.WriteAllBytes(target, elf); // concurrent processes never see a half-written file
        return target;
    }

    static void Note(string s) => _log.Add(s);
}
