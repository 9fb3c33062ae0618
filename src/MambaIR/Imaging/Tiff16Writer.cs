using System.Buffers.Binary;

namespace MambaIR.Imaging;

/// <summary>
/// Writes 16-bit grey or RGB baseline TIFF (little-endian, uncompressed, one strip, chunky). ImageSharp 2.1's TIFF
/// encoder only writes 8 bits per sample, so 16-bit images go through this writer; ImageSharp reads the result.
/// </summary>
internal static class Tiff16Writer
{
    public static byte[] Encode(RasterImage img)
    {
        int w = img.Width, h = img.Height, ch = img.Channels, plane = w * h;
        long dataBytes = (long)plane * ch * 2;
        if (dataBytes > int.MaxValue - 4096) throw new NotSupportedException($"16-bit TIFF of {w}x{h}x{ch} is too large for this writer (> 2 GiB)");
        const int tagCount = 11;
        int ifdOffset = 8;
        int ifdSize = 2 + tagCount * 12 + 4;
        int bpsOffset = ifdOffset + ifdSize;          // 3 × SHORT for RGB BitsPerSample
        int dataOffset = bpsOffset + 8;
        var buf = new byte[dataOffset + dataBytes];
        Span<byte> s = buf;
        s[0] = (byte)'I'; s[1] = (byte)'I';
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], 42);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], (uint)ifdOffset);
        int p = ifdOffset;
        BinaryPrimitives.WriteUInt16LittleEndian(s[p..], tagCount); p += 2;
        void Tag(ushort tag, ushort type, uint count, uint value)
        {
            var e = buf.AsSpan(p, 12);
            BinaryPrimitives.WriteUInt16LittleEndian(e, tag);
            BinaryPrimitives.WriteUInt16LittleEndian(e[2..], type);
            BinaryPrimitives.WriteUInt32LittleEndian(e[4..], count);
            if (type == 3 && count == 1) BinaryPrimitives.WriteUInt16LittleEndian(e[8..], (ushort)value);
            else BinaryPrimitives.WriteUInt32LittleEndian(e[8..], value);
            p += 12;
        }
        const ushort SHORT = 3, LONG = 4;
        Tag(256, LONG, 1, (uint)w);                                    // ImageWidth
        Tag(257, LONG, 1, (uint)h);                                    // ImageLength
        if (ch == 1) Tag(258, SHORT, 1, 16); else Tag(258, SHORT, 3, (uint)bpsOffset); // BitsPerSample
        Tag(259, SHORT, 1, 1);                                         // Compression: none
        Tag(262, SHORT, 1, ch == 1 ? 1u : 2u);                         // Photometric: BlackIsZero / RGB
        Tag(273, LONG, 1, (uint)dataOffset);                           // StripOffsets
        Tag(277, SHORT, 1, (uint)ch);                                  // SamplesPerPixel
        Tag(278, LONG, 1, (uint)h);                                    // RowsPerStrip
        Tag(279, LONG, 1, (uint)dataBytes);                            // StripByteCounts
        Tag(284, SHORT, 1, 1);                                         // PlanarConfiguration: chunky
        Tag(339, SHORT, 1, 1);                                         // SampleFormat: unsigned
        BinaryPrimitives.WriteUInt32LittleEndian(s[p..], 0);           // no next IFD
        for (int i = 0; i < 3; i++) BinaryPrimitives.WriteUInt16LittleEndian(s[(bpsOffset + 2 * i)..], 16);
        var px = img.Pixels;
        int o = dataOffset;
        for (int i = 0; i < plane; i++)
            for (int c = 0; c < ch; c++, o += 2)
                BinaryPrimitives.WriteUInt16LittleEndian(s[o..], RasterImage.Quantize16(px[c * plane + i]));
        return buf;
    }
}
