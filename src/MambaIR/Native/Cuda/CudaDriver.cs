using System.Runtime.InteropServices;

namespace MambaIR.Native.Cuda;

/// <summary>
/// The few CUDA driver API entry points the run-time compiled kernels need, bound from the driver's <c>libcuda.so.1</c>
/// (part of the NVIDIA driver, not of a toolkit). Loaded on first use; <see cref="TryLoad"/> says why when it cannot be.
/// Kernels run in the device's primary context, the one libtorch uses, and on the legacy default stream (handle 0),
/// on which libtorch queues its own work unless told otherwise, so launches are ordered with TorchSharp's operations.
/// </summary>
internal sealed unsafe class CudaDriver
{
    public const int AttributeMultiprocessorCount = 16;
    public const int AttributeComputeCapabilityMajor = 75;
    public const int AttributeComputeCapabilityMinor = 76;
    public const int FuncAttributePreferredSharedMemoryCarveout = 9;

    static readonly object Gate = new();
    static CudaDriver? _instance;
    static string? _failure;

    readonly delegate* unmanaged<uint, int> _cuInit;
    readonly delegate* unmanaged<int*, int> _cuDriverGetVersion;
    readonly delegate* unmanaged<int*, int, int> _cuDeviceGet;
    readonly delegate* unmanaged<int*, int, int, int> _cuDeviceGetAttribute;
    readonly delegate* unmanaged<byte*, int, int, int> _cuDeviceGetName;
    readonly delegate* unmanaged<IntPtr*, int> _cuCtxGetCurrent;
    readonly delegate* unmanaged<IntPtr, int> _cuCtxPushCurrent;
    readonly delegate* unmanaged<IntPtr*, int> _cuCtxPopCurrent;
    readonly delegate* unmanaged<IntPtr*, int, int> _cuDevicePrimaryCtxRetain;
    readonly delegate* unmanaged<IntPtr*, byte*, int> _cuModuleLoadData;
    readonly delegate* unmanaged<IntPtr*, IntPtr, byte*, int> _cuModuleGetFunction;
    readonly delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int> _cuLaunchKernel;
    readonly delegate* unmanaged<int, byte**, int> _cuGetErrorName;
    readonly delegate* unmanaged<int, byte**, int> _cuGetErrorString;
    readonly delegate* unmanaged<nuint*, nuint*, int> _cuMemGetInfo;
    readonly delegate* unmanaged<int> _cuCtxSynchronize;
    readonly delegate* unmanaged<int*, int, IntPtr, int> _cuFuncGetAttribute;
    readonly delegate* unmanaged<IntPtr, int, int, int> _cuFuncSetAttribute;
    readonly delegate* unmanaged<int*, IntPtr, int, nuint, int> _cuOccupancy;
    readonly delegate* unmanaged<IntPtr*, uint, int> _cuStreamCreate;
    readonly delegate* unmanaged<IntPtr, int> _cuStreamDestroy;
    readonly delegate* unmanaged<IntPtr, IntPtr, uint, int> _cuStreamWaitEvent;
    readonly delegate* unmanaged<IntPtr*, uint, int> _cuEventCreate;
    readonly delegate* unmanaged<IntPtr, IntPtr, int> _cuEventRecord;
    readonly delegate* unmanaged<IntPtr, int> _cuEventDestroy;

    CudaDriver(IntPtr lib)
    {
        IntPtr Get(string name)
        {
            if (!NativeLibrary.TryGetExport(lib, name, out var p)) throw new EntryPointNotFoundException($"libcuda.so.1 has no {name}");
            return p;
        }
        _cuInit = (delegate* unmanaged<uint, int>)Get("cuInit");
        _cuDriverGetVersion = (delegate* unmanaged<int*, int>)Get("cuDriverGetVersion");
        _cuDeviceGet = (delegate* unmanaged<int*, int, int>)Get("cuDeviceGet");
        _cuDeviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)Get("cuDeviceGetAttribute");
        _cuDeviceGetName = (delegate* unmanaged<byte*, int, int, int>)Get("cuDeviceGetName");
        _cuCtxGetCurrent = (delegate* unmanaged<IntPtr*, int>)Get("cuCtxGetCurrent");
        _cuCtxPushCurrent = (delegate* unmanaged<IntPtr, int>)Get("cuCtxPushCurrent_v2");
        _cuCtxPopCurrent = (delegate* unmanaged<IntPtr*, int>)Get("cuCtxPopCurrent_v2");
        _cuDevicePrimaryCtxRetain = (delegate* unmanaged<IntPtr*, int, int>)Get("cuDevicePrimaryCtxRetain");
        _cuModuleLoadData = (delegate* unmanaged<IntPtr*, byte*, int>)Get("cuModuleLoadData");
        _cuModuleGetFunction = (delegate* unmanaged<IntPtr*, IntPtr, byte*, int>)Get("cuModuleGetFunction");
        _cuLaunchKernel = (delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int>)Get("cuLaunchKernel");
        _cuGetErrorName = (delegate* unmanaged<int, byte**, int>)Get("cuGetErrorName");
        _cuGetErrorString = (delegate* unmanaged<int, byte**, int>)Get("cuGetErrorString");
        _cuMemGetInfo = (delegate* unmanaged<nuint*, nuint*, int>)Get("cuMemGetInfo_v2");
        _cuCtxSynchronize = (delegate* unmanaged<int>)Get("cuCtxSynchronize");
        _cuFuncGetAttribute = (delegate* unmanaged<int*, int, IntPtr, int>)Get("cuFuncGetAttribute");
        _cuFuncSetAttribute = (delegate* unmanaged<IntPtr, int, int, int>)Get("cuFuncSetAttribute");
        _cuOccupancy = (delegate* unmanaged<int*, IntPtr, int, nuint, int>)Get("cuOccupancyMaxActiveBlocksPerMultiprocessor");
        _cuStreamCreate = (delegate* unmanaged<IntPtr*, uint, int>)Get("cuStreamCreate");
        _cuStreamDestroy = (delegate* unmanaged<IntPtr, int>)Get("cuStreamDestroy_v2");
        _cuStreamWaitEvent = (delegate* unmanaged<IntPtr, IntPtr, uint, int>)Get("cuStreamWaitEvent");
        _cuEventCreate = (delegate* unmanaged<IntPtr*, uint, int>)Get("cuEventCreate");
        _cuEventRecord = (delegate* unmanaged<IntPtr, IntPtr, int>)Get("cuEventRecord");
        _cuEventDestroy = (delegate* unmanaged<IntPtr, int>)Get("cuEventDestroy_v2");
    }

    /// <summary>The driver, initialised; null with <paramref name="failure"/> saying why (no driver, no device, init error).</summary>
    public static CudaDriver? TryLoad(out string? failure)
    {
        lock (Gate)
        {
            if (_instance is null && _failure is null)
            {
                try
                {
                    if (!NativeLibrary.TryLoad("libcuda.so.1", out var lib) && !NativeLibrary.TryLoad("libcuda.so", out lib))
                        throw new DllNotFoundException("the NVIDIA driver library libcuda.so.1 was not found");
                    var d = new CudaDriver(lib);
                    d.Check(d._cuInit(0), "cuInit");
                    _instance = d;
                }
                catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CudaException)
                {
                    _failure = e.Message;
                }
            }
            failure = _failure;
            return _instance;
        }
    }

    public static CudaDriver Instance => TryLoad(out var why) ?? throw new CudaException($"CUDA driver unavailable: {why}");

    public void Check(int result, string call)
    {
        if (result == 0) return;
        byte* name = null, text = null;
        _cuGetErrorName(result, &name);
        _cuGetErrorString(result, &text);
        throw new CudaException($"{call} failed: {Marshal.PtrToStringUTF8((IntPtr)name) ?? result.ToString()} ({Marshal.PtrToStringUTF8((IntPtr)text) ?? "unknown error"})");
    }

    public int DriverVersion { get { int v; Check(_cuDriverGetVersion(&v), "cuDriverGetVersion"); return v; } }

    public int Attribute(int device, int attribute)
    {
        int dev, v;
        Check(_cuDeviceGet(&dev, device), "cuDeviceGet");
        Check(_cuDeviceGetAttribute(&v, attribute, dev), "cuDeviceGetAttribute");
        return v;
    }

    /// <summary>Compute capability as major·10 + minor (90 for Hopper).</summary>
    public int ComputeCapability(int device) =>
        10 * Attribute(device, AttributeComputeCapabilityMajor) + Attribute(device, AttributeComputeCapabilityMinor);

    public string DeviceName(int device)
    {
        int dev;
        Check(_cuDeviceGet(&dev, device), "cuDeviceGet");
        byte* buf = stackalloc byte[256];
        Check(_cuDeviceGetName(buf, 256, dev), "cuDeviceGetName");
        return Marshal.PtrToStringUTF8((IntPtr)buf) ?? "";
    }

    /// <summary>The primary context of <paramref name="device"/> (retained once; libtorch uses the same one).</summary>
    public IntPtr PrimaryContext(int device)
    {
        int dev;
        IntPtr ctx;
        Check(_cuDeviceGet(&dev, device), "cuDeviceGet");
        Check(_cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain");
        return ctx;
    }

    public IntPtr CurrentContext { get { IntPtr c; Check(_cuCtxGetCurrent(&c), "cuCtxGetCurrent"); return c; } }
    public void PushContext(IntPtr ctx) => Check(_cuCtxPushCurrent(ctx), "cuCtxPushCurrent");
    public void PopContext() { IntPtr c; Check(_cuCtxPopCurrent(&c), "cuCtxPopCurrent"); }

    public IntPtr LoadModule(byte[] image)
    {
        IntPtr module;
        // cuModuleLoadData reads a CUBIN, or a NUL-terminated PTX text.
        var data = image.Length > 0 && image[^1] == 0 ? image : image.Append((byte)0).ToArray();
        fixed (byte* p = data) Check(_cuModuleLoadData(&module, p), "cuModuleLoadData");
        return module;
    }

    public IntPtr Function(IntPtr module, string name)
    {
        IntPtr f;
        var bytes = System.Text.Encoding.ASCII.GetBytes(name + "\0");
        fixed (byte* p = bytes) Check(_cuModuleGetFunction(&f, module, p), $"cuModuleGetFunction({name})");
        return f;
    }

    /// <summary>CU_FUNC_ATTRIBUTE_*: 0 max threads per block, 1 static shared bytes, 4 registers per thread, 3 local bytes.</summary>
    public int FunctionAttribute(IntPtr function, int attribute)
    {
        int v;
        Check(_cuFuncGetAttribute(&v, attribute, function), "cuFuncGetAttribute");
        return v;
    }

    /// <summary>Sets a CU_FUNC_ATTRIBUTE_* value; false when the driver refuses it (attributes set here are hints).</summary>
    public bool TrySetFunctionAttribute(IntPtr function, int attribute, int value) => _cuFuncSetAttribute(function, attribute, value) == 0;

    /// <summary>How many blocks of <paramref name="blockSize"/> threads of the kernel fit on one multiprocessor at once.</summary>
    public int BlocksPerMultiprocessor(IntPtr function, int blockSize)
    {
        int n;
        Check(_cuOccupancy(&n, function, blockSize, 0), "cuOccupancyMaxActiveBlocksPerMultiprocessor");
        return n;
    }

    /// <summary>Launches on the legacy default stream with one by-value parameter block (a struct the kernel takes).</summary>
    public void Launch<TParams>(IntPtr function, (uint X, uint Y, uint Z) grid, uint blockX, ref TParams parameters, string what) where TParams : unmanaged
    {
        fixed (TParams* p = &parameters)
        {
            void** args = stackalloc void*[1];
            args[0] = p;
            Check(_cuLaunchKernel(function, grid.X, grid.Y, grid.Z, blockX, 1, 1, 0, IntPtr.Zero, args, null), $"cuLaunchKernel({what})");
        }
    }

    public void Synchronize() => Check(_cuCtxSynchronize(), "cuCtxSynchronize");

    /// <summary>Free and total memory of the current context's device, in bytes.</summary>
    public (long Free, long Total) MemoryInfo()
    {
        nuint free, total;
        Check(_cuMemGetInfo(&free, &total), "cuMemGetInfo");
        return ((long)free, (long)total);
    }

    /// <summary>A stream of the current context that does not synchronise with the legacy default stream
    /// (<c>CU_STREAM_NON_BLOCKING</c>): work on it runs beside libtorch's and is ordered with it only through events.</summary>
    public IntPtr CreateNonBlockingStream()
    {
        IntPtr s;
        Check(_cuStreamCreate(&s, 1u), "cuStreamCreate");
        return s;
    }

    public void DestroyStream(IntPtr stream) => Check(_cuStreamDestroy(stream), "cuStreamDestroy");

    /// <summary>An event without timing (<c>CU_EVENT_DISABLE_TIMING</c>), for ordering streams.</summary>
    public IntPtr CreateEvent()
    {
        IntPtr e;
        Check(_cuEventCreate(&e, 2u), "cuEventCreate");
        return e;
    }

    public void DestroyEvent(IntPtr e) => Check(_cuEventDestroy(e), "cuEventDestroy");

    /// <summary>Records <paramref name="e"/> on <paramref name="stream"/> (0: the legacy default stream): it completes when the work queued there before it has.</summary>
    public void RecordEvent(IntPtr e, IntPtr stream) => Check(_cuEventRecord(e, stream), "cuEventRecord");

    /// <summary>Makes later work on <paramref name="stream"/> wait for <paramref name="e"/>, without blocking the host.</summary>
    public void StreamWaitEvent(IntPtr stream, IntPtr e) => Check(_cuStreamWaitEvent(stream, e, 0u), "cuStreamWaitEvent");
}
