using MambaIR.Native;
using MambaIR.Native.Cuda;
using MambaIR.Ops;

namespace MambaIR.Tests.Cuda;

/// <summary>Whether this machine can run the GPU tests: a CUDA libtorch (MAMBAIR_LIBTORCH) with a visible GPU, and the fused kernel's toolchain.</summary>
internal static class CudaTestEnvironment
{
    static readonly Lazy<string?> Missing = new(() =>
    {
        try
        {
            TorchRuntime.EnsureInitialized();
            if (!ComputeDevice.CudaAvailable()) return "no CUDA device (set MAMBAIR_LIBTORCH to a CUDA libtorch on a GPU machine)";
            return CudaSelectiveScan.Toolchain(out var why) is null ? $"no CUDA kernel toolchain: {why}" : null;
        }
        catch (Exception e) { return $"no CUDA runtime: {e.Message}"; }
    });

    /// <summary>Null when the GPU tests can run, else why not.</summary>
    public static string? WhyNot => Missing.Value;
}

/// <summary>A fact that runs only where CUDA and the kernel toolchain are present, and is reported as skipped elsewhere (CI).</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute() { if (CudaTestEnvironment.WhyNot is { } why) Skip = why; }
}

/// <summary>A theory that runs only where CUDA and the kernel toolchain are present (see <see cref="CudaFactAttribute"/>).</summary>
public sealed class CudaTheoryAttribute : TheoryAttribute
{
    public CudaTheoryAttribute() { if (CudaTestEnvironment.WhyNot is { } why) Skip = why; }
}

/// <summary>A fact that runs only where an NVRTC library can be found (no GPU needed): compiling is testable on any machine that has one.</summary>
public sealed class NvrtcFactAttribute : FactAttribute
{
    public NvrtcFactAttribute()
    {
        var nvrtc = Nvrtc.TryLoad(NvrtcLocator.Candidates(Environment.GetEnvironmentVariable(NvrtcLocator.EnvironmentVariable), TorchRuntime.LibTorchDirectory), out var why);
        if (nvrtc is null) Skip = $"no NVRTC: {why}";
    }
}
