using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace MambaIR.Tests.Imaging;

/// <summary>
/// PNG files written straight from the specification (ISO/IEC 15948: signature, IHDR, optional PLTE/tRNS, one zlib
/// IDAT of filter-0 scanlines, IEND), with no image library involved: an independent oracle for the decoders.
/// </summary>
internal static class SpecPng
{
    /// <summary>Colour types: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA.</summary>
    public static byte[] Encode(int width, int height, int colourType, int bitDepth, byte[] packedRows,
                                byte[]? palette = null, byte[]? trns = null, IEnumerable<(string Type, byte[] Data)>? extraChunks = null)
    {
        int channels = colourType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => throw new ArgumentException("colour type") };
        int rowBytes = (width * channels * bitDepth + 7) / 8;
        if (packedRows.Length != rowBytes * height) throw new ArgumentException($"expected {rowBytes * height} bytes of rows, got {packedRows.Length}");
        using var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = (byte)bitDepth; ihdr[9] = (byte)colourType;
        Chunk(ms, "IHDR", ihdr);
        if (palette != null) Chunk(ms, "PLTE", palette);
        if (trns != null) Chunk(ms, "tRNS", trns);
        foreach (var (t, d) in extraChunks ?? []) Chunk(ms, t, d);
        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
                for (int y = 0; y < height; y++)
                {
                    z.WriteByte(0);
                    z.Write(packedRows, y * rowBytes, rowBytes);
                }
            Chunk(ms, "IDAT", raw.ToArray());
        }
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    /// <summary>16-bit samples big-endian, as PNG stores them.</summary>
    public static byte[] BigEndian16(IEnumerable<ushort> samples) =>
        samples.SelectMany(v => new[] { (byte)(v >> 8), (byte)v }).ToArray();

    static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(len, Crc(typed));
        s.Write(len);
    }

    static uint Crc(byte[] data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }
}
