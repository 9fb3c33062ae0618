using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Ops.Cpu;

/// <summary>Raw access to the memory of contiguous CPU tensors.</summary>
internal static unsafe class TensorMemory
{
    /// <summary>The address of the first element, or null for a null tensor. The tensor must stay alive while it is used.</summary>
    public static T* Pointer<T>(Tensor? t) where T : unmanaged
    {
        if (t is null) return null;
        if (t.device_type != DeviceType.CPU || !t.is_contiguous())
            throw new ArgumentException($"expected a contiguous CPU tensor, got {t.device} (contiguous: {t.is_contiguous()})");
        if (t.element_size() != sizeof(T)) throw new ArgumentException($"expected {typeof(T).Name} elements, got {t.dtype}");
        if (t.numel() == 0) return null;
        // A one-element view of the start: Tensor.bytes spans at most 2 GiB, the tensor itself may be larger. Both views are
        // disposed here: a view left to the caller's dispose scope would keep the tensor's memory alive until that scope ends.
        using var flat = t.view(-1);
        using var first = flat.narrow(0, 0, 1);
        fixed (byte* p = first.bytes) return (T*)p;
    }
}
