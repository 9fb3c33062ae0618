using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MambaIR.Checkpoints.Zip;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zip uses). On x86 with PCLMULQDQ, blocks of 64 bytes are
/// folded with carry-less multiplication (Intel's "Fast CRC Computation Using PCLMULQDQ", as in zlib/Chromium);
/// elsewhere, and for the tail, a slicing-by-8 table.
/// </summary>
internal static class Crc32
{
    static readonly uint[] Table = BuildTable();

    /// <summary>Continues <paramref name="crc"/> (0 to start) over <paramref name="data"/>.</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        uint state = ~crc;
        if (Pclmulqdq.IsSupported && Sse41.IsSupported && data.Length >= 64)
        {
            int blocks = data.Length & ~15;
            state = Folded(state, data[..blocks]);
            data = data[blocks..];
        }
        return ~Table8(state, data);
    }

    /// <summary>The table-only path (the reference for tests).</summary>
    internal static uint UpdateScalar(uint crc, ReadOnlySpan<byte> data) => ~Table8(~crc, data);

    static uint Table8(uint c, ReadOnlySpan<byte> data)
    {
        var t = Table;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            uint lo = c ^ BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            uint hi = BinaryPrimitives.ReadUInt32LittleEndian(data[(i + 4)..]);
            c = t[7 * 256 + (lo & 0xFF)] ^ t[6 * 256 + ((lo >> 8) & 0xFF)] ^ t[5 * 256 + ((lo >> 16) & 0xFF)] ^ t[4 * 256 + (lo >> 24)]
              ^ t[3 * 256 + (hi & 0xFF)] ^ t[2 * 256 + ((hi >> 8) & 0xFF)] ^ t[1 * 256 + ((hi >> 16) & 0xFF)] ^ t[hi >> 24];
        }
        for (; i < data.Length; i++) c = t[(c ^ data[i]) & 0xFF] ^ (c >> 8);
        return c;
    }

    /// <summary>Folds a length that is a multiple of 16 and at least 64; takes and returns the inverted CRC state.</summary>
    static uint Folded(uint state, ReadOnlySpan<byte> buf)
    {
        var k1k2 = Vector128.Create(0x0154442bd4UL, 0x01c6e41596UL);
        var k3k4 = Vector128.Create(0x01751997d0UL, 0x00ccaa009eUL);
        var k5k0 = Vector128.Create(0x0163cd6124UL, 0UL);
        var poly = Vector128.Create(0x01db710641UL, 0x01f7011641UL);
        var mask32 = Vector128.Create(~0u, 0u, ~0u, 0u).AsUInt64();

        ref byte p = ref MemoryMarshal.GetReference(buf);
        int len = buf.Length;
        static Vector128<ulong> Load(ref byte start, int offset) => Unsafe.ReadUnaligned<Vector128<ulong>>(ref Unsafe.Add(ref start, offset));

        var x1 = Load(ref p, 0) ^ Vector128.CreateScalar(state).AsUInt64();
        var x2 = Load(ref p, 16);
        var x3 = Load(ref p, 32);
        var x4 = Load(ref p, 48);
        int pos = 64;
        for (; len - pos >= 64; pos += 64)
        {
            x1 = Pclmulqdq.CarrylessMultiply(x1, k1k2, 0x11) ^ Pclmulqdq.CarrylessMultiply(x1, k1k2, 0x00) ^ Load(ref p, pos);
            x2 = Pclmulqdq.CarrylessMultiply(x2, k1k2, 0x11) ^ Pclmulqdq.CarrylessMultiply(x2, k1k2, 0x00) ^ Load(ref p, pos + 16);
            x3 = Pclmulqdq.CarrylessMultiply(x3, k1k2, 0x11) ^ Pclmulqdq.CarrylessMultiply(x3, k1k2, 0x00) ^ Load(ref p, pos + 32);
            x4 = Pclmulqdq.CarrylessMultiply(x4, k1k2, 0x11) ^ Pclmulqdq.CarrylessMultiply(x4, k1k2, 0x00) ^ Load(ref p, pos + 48);
        }
        // Fold the four lanes into one, then any remaining 16-byte blocks.
        x1 = Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x11) ^ Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x00) ^ x2;
        x1 = Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x11) ^ Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x00) ^ x3;
        x1 = Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x11) ^ Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x00) ^ x4;
        for (; len - pos >= 16; pos += 16)
            x1 = Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x11) ^ Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x00) ^ Load(ref p, pos);

        // 128 -> 64 bits.
        x2 = Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x10);
        x1 = Sse2.ShiftRightLogical128BitLane(x1, 8) ^ x2;
        x2 = Sse2.ShiftRightLogical128BitLane(x1, 4);
        x1 = Pclmulqdq.CarrylessMultiply(x1 & mask32, k5k0, 0x00) ^ x2;
        // Barrett reduction to 32 bits.
        x2 = Pclmulqdq.CarrylessMultiply(x1 & mask32, poly, 0x10);
        x2 = Pclmulqdq.CarrylessMultiply(x2 & mask32, poly, 0x00);
        x1 ^= x2;
        return x1.AsUInt32().GetElement(1);
    }

    static uint[] BuildTable()
    {
        var t = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        for (int s = 1; s < 8; s++)
            for (int i = 0; i < 256; i++)
                t[s * 256 + i] = (t[(s - 1) * 256 + i] >> 8) ^ t[t[(s - 1) * 256 + i] & 0xFF];
        return t;
    }
}
