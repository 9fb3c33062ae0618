using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Native;

/// <summary>Turns a user's device string (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:1</c>) into a usable torch device, or explains why it cannot be used.</summary>
public static class ComputeDevice
{
    /// <summary>Resolves <paramref name="spec"/>; initialises the native runtime first.</summary>
    public static Device Resolve(string? spec)
    {
        TorchRuntime.EnsureInitialized();
        spec = string.IsNullOrWhiteSpace(spec) ? "auto" : spec.Trim().ToLowerInvariant();
        if (spec == "auto") spec = CudaAvailable() ? "cuda" : "cpu";
        if (spec == "cpu") return CPU;
        if (spec == "cuda" || spec.StartsWith("cuda:", StringComparison.Ordinal))
        {
            var device = ResolveCuda(spec);
            Cuda.CudnnAutotune.ApplyEnvironment();
            return device;
        }
        throw new ArgumentException($"device '{spec}' is not recognised; use auto, cpu, cuda or cuda:N");
    }

    static Device ResolveCuda(string spec)
    {
        if (!CudaAvailable())
            throw new NotSupportedException(
                $"device {spec}: CUDA is not available. The bundled libtorch is CPU-only; set " +
                $"{TorchRuntime.LibTorchEnvironmentVariable} to a CUDA libtorch folder (e.g. a PyTorch install's " +
                ".../site-packages/torch/lib) on a machine with an NVIDIA driver. " +
                (TorchRuntime.UsesExternalLibTorch ? $"The libtorch in use ({TorchRuntime.LibTorchDirectory}) reports no usable GPU." : "No external libtorch is configured."));
        if (spec.Length > 5)
        {
            if (!int.TryParse(spec[5..], out int index) || index < 0)
                throw new ArgumentException($"device {spec}: expected cuda:N with N a GPU index");
            int count = (int)cuda.device_count();
            if (index >= count) throw new ArgumentException($"device {spec}: only {count} CUDA device(s) are visible");
            return new Device(DeviceType.CUDA, index);
        }
        return CUDA;
    }

    /// <summary>True when the loaded libtorch has CUDA and a GPU is visible.</summary>
    public static bool CudaAvailable()
    {
        TorchRuntime.EnsureInitialized();
        try { return TorchRuntime.UsesExternalLibTorch && cuda.is_available(); }
        catch (Exception) { return false; }
    }
}
