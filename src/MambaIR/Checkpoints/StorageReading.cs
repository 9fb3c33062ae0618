using System.IO.Hashing;
using static TorchSharp.torch;

namespace MambaIR.Checkpoints;

/// <summary>Reads raw little- or big-endian element bytes from a stream into a new CPU tensor.</summary>
internal static class StorageReading
{
    /// <summary>Reads <paramref name="numel"/> elements of <paramref name="dtype"/> from <paramref name="source"/>.
    /// Returns null when the stream ends early. When <paramref name="expectedCrc"/> is given, the bytes' CRC-32 must
    /// match it or <see cref="InvalidDataException"/> is thrown.</summary>
    public static Tensor? ReadFlat(Stream source, ScalarType dtype, long numel, bool bigEndian, uint? expectedCrc = null)
    {
        int size = TensorDTypes.ElementSize(dtype);
        long nbytes = checked(numel * size);
        var t = empty(new[] { numel }, dtype);
        try
        {
            if (nbytes > 0 && !Fill(source, t, nbytes)) { t.Dispose(); return null; }
            if (expectedCrc is { } crc && nbytes > 0 && Crc32.HashToUInt32(t.bytes) is var actual && actual != crc)
                throw new InvalidDataException($"CRC-32 mismatch: 0x{actual:X8} read, 0x{crc:X8} recorded");
            if (bigEndian && size > 1) SwapBytes(t, dtype, size);
            return t;
        }
        catch { t.Dispose(); throw; }
    }

    static bool Fill(Stream source, Tensor t, long nbytes)
    {
        if (nbytes > int.MaxValue)
            throw new NotSupportedException($"a single storage of {nbytes} bytes (over 2 GiB) is not supported");
        Span<byte> dst = t.bytes;
        int read = 0;
        while (read < dst.Length)
        {
            int n = source.Read(dst[read..]);
            if (n == 0) return false;
            read += n;
        }
        return true;
    }

    static void SwapBytes(Tensor t, ScalarType dtype, int size)
    {
        // Complex numbers are pairs of floats: swap each half.
        int unit = dtype is ScalarType.ComplexFloat32 or ScalarType.ComplexFloat64 ? size / 2 : size;
        Span<byte> b = t.bytes;
        for (int i = 0; i + unit <= b.Length; i += unit) b.Slice(i, unit).Reverse();
    }
}
