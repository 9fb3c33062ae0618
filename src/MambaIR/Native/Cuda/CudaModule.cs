using System.Diagnostics;

namespace MambaIR.Native.Cuda;

/// <summary>
/// A run-time compiled CUDA module on one device: the source compiled by NVRTC for the device's architecture (or read
/// from the disk cache), loaded into the device's primary context (the one libtorch uses), its kernels looked up by
/// name. Kernels are launched on the legacy default stream, so they are ordered with TorchSharp's own operations.
/// </summary>
internal sealed class CudaModule
{
    static readonly object Gate = new();
    static readonly Dictionary<int, IntPtr> Contexts = new();

    readonly IntPtr _module;

    public CudaDriver Driver { get; }
    public IntPtr Context { get; }
    public int Device { get; }
    /// <summary>Compute capability as major·10 + minor.</summary>
    public int Architecture { get; }
    /// <summary>Streaming multiprocessors of the device.</summary>
    public int Multiprocessors { get; }
    /// <summary>One line: where the binary came from (compiled, and how long it took, or the cache file).</summary>
    public string Origin { get; }

    CudaModule(CudaDriver driver, IntPtr context, IntPtr module, int device, int arch, string origin)
    {
        Driver = driver; Context = context; _module = module; Device = device; Architecture = arch; Origin = origin;
        Multiprocessors = driver.Attribute(device, CudaDriver.AttributeMultiprocessorCount);
    }

    /// <summary>
    /// Compiles (or reads from the cache) and loads <paramref name="source"/> for CUDA device <paramref name="device"/>.
    /// <paramref name="label"/> names the cache file (e.g. <c>scan-f32-n16</c>); <paramref name="options"/> are NVRTC's.
    /// </summary>
    /// <exception cref="CudaException">No driver or compiler (the message says what is missing), or the compilation failed.</exception>
    public static CudaModule Load(int device, string source, string label, IReadOnlyList<string> options)
    {
        var tc = CudaToolchain.TryGet(out var why) ?? throw new CudaException($"CUDA kernels unavailable: {why}");
        var driver = tc.Driver;
        IntPtr ctx;
        lock (Gate)
            if (!Contexts.TryGetValue(device, out ctx)) Contexts[device] = ctx = driver.PrimaryContext(device);
        int arch = driver.ComputeCapability(device);
        string key = CudaKernelCache.Key(source, options, $"nvrtc {tc.Compiler.Version}");
        string path = tc.Cache.PathFor(label, arch, key);
        var sw = Stopwatch.StartNew();
        var image = tc.Cache.GetOrCompile(path, () => tc.Compiler.Compile(source, label + ".cu", arch, options).Image, out bool cached);
        long ms = sw.ElapsedMilliseconds;
        IntPtr module;
        using (new CudaContextScope(driver, ctx)) module = driver.LoadModule(image);
        string origin = $"{label} for sm_{arch}: {(cached ? "read from " : $"compiled in {ms} ms, saved to ")}{path}";
        return new CudaModule(driver, ctx, module, device, arch, origin);
    }

    /// <summary>The kernel <paramref name="name"/> (an <c>extern "C"</c> function of the source).</summary>
    public IntPtr Function(string name)
    {
        using var _ = Enter();
        return Driver.Function(_module, name);
    }

    /// <summary>Makes the module's context current for a scope (a no-op on libtorch's threads, where it already is).</summary>
    public CudaContextScope Enter() => new(Driver, Context);
}

/// <summary>Makes a context current for a scope when it is not already, and restores the previous one after.</summary>
internal readonly struct CudaContextScope : IDisposable
{
    readonly CudaDriver _driver;
    readonly bool _pushed;

    public CudaContextScope(CudaDriver driver, IntPtr ctx)
    {
        _driver = driver;
        _pushed = driver.CurrentContext != ctx;
        if (_pushed) driver.PushContext(ctx);
    }

    public void Dispose() { if (_pushed) _driver.PopContext(); }
}
