using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Native;

/// <summary>
/// How much memory tensors may still use on a device. CPU: the smaller of the system's available memory
/// (<c>MemAvailable</c> in /proc/meminfo on Linux) and the process's allowance (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>,
/// which honours container limits, less the current working set). CUDA: the driver's free memory for the device
/// (<c>cuMemGetInfo</c> in its primary context, the context libtorch uses).
/// </summary>
public static class AvailableMemory
{
    /// <summary>Free bytes on <paramref name="device"/>, or null when the platform does not say.</summary>
    public static long? Bytes(Device device) => device.type switch
    {
        DeviceType.CPU => Cpu(),
        DeviceType.CUDA => Cuda(device.index < 0 ? 0 : device.index),
        _ => null,
    };

    /// <summary>Free bytes for this process in main memory.</summary>
    public static long Cpu()
    {
        long allowance = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes - Environment.WorkingSet;
        return MemAvailable() is { } system ? Math.Min(system, allowance) : allowance;
    }

    static long? MemAvailable()
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return null;
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[1]) * 1024;
                }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>Free bytes on CUDA device <paramref name="ordinal"/>, or null when the driver library cannot be used.</summary>
    public static long? Cuda(int ordinal) => CudaInfo(ordinal)?.Free;

    /// <summary>Total bytes of CUDA device <paramref name="ordinal"/>, or null when the driver library cannot be used.</summary>
    public static long? CudaTotal(int ordinal) => CudaInfo(ordinal)?.Total;

    static (long Free, long Total)? CudaInfo(int ordinal)
    {
        try
        {
            if (CudaDriver.cuInit(0) != 0 || CudaDriver.cuDeviceGet(out int dev, ordinal) != 0) return null;
            if (CudaDriver.cuDevicePrimaryCtxRetain(out IntPtr ctx, dev) != 0) return null;
            try
            {
                if (CudaDriver.cuCtxPushCurrent_v2(ctx) != 0) return null;
                try { return CudaDriver.cuMemGetInfo_v2(out nuint free, out nuint total) == 0 ? ((long)free, (long)total) : null; }
                finally { CudaDriver.cuCtxPopCurrent_v2(out _); }
            }
            finally { CudaDriver.cuDevicePrimaryCtxRelease_v2(dev); }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

    static class CudaDriver
    {
        const string Lib = "libcuda.so.1";
        [DllImport(Lib)] public static extern int cuInit(uint flags);
        [DllImport(Lib)] public static extern int cuDeviceGet(out int device, int ordinal);
        [DllImport(Lib)] public static extern int cuDevicePrimaryCtxRetain(out IntPtr ctx, int device);
        [DllImport(Lib)] public static extern int cuDevicePrimaryCtxRelease_v2(int device);
        [DllImport(Lib)] public static extern int cuCtxPushCurrent_v2(IntPtr ctx);
        [DllImport(Lib)] public static extern int cuCtxPopCurrent_v2(out IntPtr ctx);
        [DllImport(Lib)] public static extern int cuMemGetInfo_v2(out nuint free, out nuint total);
    }
}
