namespace MambaIR.Native.Cuda;

/// <summary>
/// The CUDA driver plus an NVRTC compiler: what run-time compiled kernels need, found once per process.
/// <see cref="TryGet"/> gives null and the reason when either is missing (no NVIDIA driver, no libnvrtc.so).
/// </summary>
public sealed class CudaToolchain
{
    static readonly object Gate = new();
    static CudaToolchain? _instance;
    static string? _failure;

    internal CudaDriver Driver { get; }
    internal Nvrtc Compiler { get; }
    public CudaKernelCache Cache { get; }

    CudaToolchain(CudaDriver driver, Nvrtc compiler, CudaKernelCache cache) { Driver = driver; Compiler = compiler; Cache = cache; }

    /// <summary>The toolchain, or null with <paramref name="failure"/> naming what is missing and where it was looked for.</summary>
    public static CudaToolchain? TryGet(out string? failure)
    {
        lock (Gate)
        {
            if (_instance is null && _failure is null)
            {
                var driver = CudaDriver.TryLoad(out var why);
                if (driver is null) _failure = why;
                else
                {
                    var candidates = NvrtcLocator.Candidates(Environment.GetEnvironmentVariable(NvrtcLocator.EnvironmentVariable), TorchRuntime.LibTorchDirectory);
                    var nvrtc = Nvrtc.TryLoad(candidates, out var nvrtcFailure);
                    if (nvrtc is null)
                        _failure = $"NVRTC (libnvrtc.so) not found ({nvrtcFailure}); looked beside libtorch ({TorchRuntime.LibTorchDirectory ?? "none"}), " +
                                   $"in CUDA_HOME and the system folders; set {NvrtcLocator.EnvironmentVariable} to the file";
                    else _instance = new CudaToolchain(driver, nvrtc, new CudaKernelCache(CudaKernelCache.DefaultDirectory()));
                }
            }
            failure = _failure;
            return _instance;
        }
    }

    /// <summary>One line: driver and compiler versions and where NVRTC was loaded from.</summary>
    public string Description
    {
        get
        {
            int v = Driver.DriverVersion;
            return $"CUDA driver API {v / 1000}.{v % 1000 / 10}, NVRTC {Compiler.Version.Major}.{Compiler.Version.Minor} ({Compiler.Path}), kernel cache {Cache.Directory}";
        }
    }
}
