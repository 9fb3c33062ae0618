using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Native.Cuda;

/// <summary>Device addresses of tensors' first elements (libtorch's <c>data_ptr()</c>, through TorchSharp's bridge).</summary>
internal static unsafe class TensorAddress
{
    static delegate* unmanaged<IntPtr, IntPtr> _data;

    static delegate* unmanaged<IntPtr, IntPtr> Data
    {
        get
        {
            if (_data == null)
            {
                TorchRuntime.EnsureInitialized();
                var bridge = NativeLibrary.Load(TorchRuntime.BridgePath ?? "libLibTorchSharp.so");
                _data = (delegate* unmanaged<IntPtr, IntPtr>)NativeLibrary.GetExport(bridge, "THSTensor_data");
            }
            return _data;
        }
    }

    /// <summary>The address of <paramref name="t"/>'s first element; 0 for null. The tensor must be contiguous and stay alive while used.</summary>
    public static ulong Of(Tensor? t)
    {
        if (t is null) return 0;
        if (!t.is_contiguous()) throw new ArgumentException("expected a contiguous tensor");
        if (t.numel() == 0) return 0;
        var p = Data(t.Handle);
        if (p == IntPtr.Zero) throw new CudaException($"libtorch returned no data address for a {t.dtype} tensor on {t.device}");
        return (ulong)p;
    }
}
