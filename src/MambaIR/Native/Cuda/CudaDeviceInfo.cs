using static TorchSharp.torch;

namespace MambaIR.Native.Cuda;

/// <summary>Facts about a CUDA device for reports: its name and architecture, and the memory in use on it.</summary>
public static class CudaDeviceInfo
{
    static int Index(Device d) => Math.Max(0, (int)d.index);

    /// <summary>E.g. "NVIDIA H200 (sm_90, 132 SMs), CUDA driver API 13.0"; a plain "CUDA device N" when the driver cannot be asked.</summary>
    public static string Describe(Device device)
    {
        var drv = CudaDriver.TryLoad(out _);
        int i = Index(device);
        if (drv is null) return $"CUDA device {i}";
        try
        {
            int v = drv.DriverVersion;
            return $"{drv.DeviceName(i)} (sm_{drv.ComputeCapability(i)}, {drv.Attribute(i, CudaDriver.AttributeMultiprocessorCount)} SMs), CUDA driver API {v / 1000}.{v % 1000 / 10}";
        }
        catch (CudaException) { return $"CUDA device {i}"; }
    }

    /// <summary>
    /// Bytes in use on the device (total − free, as the driver reports them), or null without a driver. libtorch's
    /// caching allocator keeps what it reserved, so the growth of this value over a run is that run's peak reservation.
    /// </summary>
    public static long? UsedBytes(Device device)
    {
        var drv = CudaDriver.TryLoad(out _);
        if (drv is null) return null;
        try
        {
            var ctx = drv.PrimaryContext(Index(device));
            bool push = drv.CurrentContext != ctx;
            if (push) drv.PushContext(ctx);
            try { var (free, total) = drv.MemoryInfo(); return total - free; }
            finally { if (push) drv.PopContext(); }
        }
        catch (CudaException) { return null; }
    }
}
