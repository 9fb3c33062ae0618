using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Checkpoints;

/// <summary>Raw little-endian bytes of a tensor for writing.</summary>
internal static class TensorBytes
{
    /// <summary>A contiguous CPU tensor with the same values (the tensor itself when it already is one).</summary>
    public static Tensor ContiguousCpu(Tensor t)
    {
        var cpu = t.device_type == DeviceType.CPU ? t : t.cpu();
        return cpu.is_contiguous() ? cpu : cpu.contiguous();
    }

    /// <summary>Writes the tensor's elements in row-major order, little-endian.</summary>
    public static void Write(Stream stream, Tensor t)
    {
        var c = ContiguousCpu(t);
        try
        {
            if (c.numel() == 0) return;
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("writing checkpoints on big-endian machines is not supported");
            stream.Write(c.bytes);
        }
        finally
        {
            if (!ReferenceEquals(c, t)) c.Dispose();
        }
    }
}
