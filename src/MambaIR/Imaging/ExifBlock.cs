using System.Buffers.Binary;

namespace MambaIR.Imaging;

/// <summary>
/// The few EXIF fields read or changed here, found in IFD0 of the TIFF-structured block (CIPA DC-008): Orientation
/// (0x0112), XResolution/YResolution (0x011A/0x011B) and ResolutionUnit (0x0128), changed in place (never added or
/// moved). Everything else is kept byte for byte.
/// A block that does not parse is left as it is and reads as "no such field".
/// </summary>
internal static class ExifBlock
{
    static ReadOnlySpan<byte> Header => "Exif\0\0"u8;
    const ushort OrientationTag = 0x0112, XResolutionTag = 0x011A, YResolutionTag = 0x011B, ResolutionUnitTag = 0x0128;

    /// <summary>The block with the <c>"Exif\0\0"</c> prefix of a JPEG APP1 payload (added when it starts with the TIFF header).</summary>
    public static byte[] WithHeader(byte[] exif)
    {
        if (exif.AsSpan().StartsWith(Header)) return exif;
        var r = new byte[exif.Length + Header.Length];
        Header.CopyTo(r);
        exif.CopyTo(r, Header.Length);
        return r;
    }

    /// <summary>The orientation tag (1–8), or null when absent or out of range.</summary>
    public static int? Orientation(byte[] exif)
    {
        if (Find(exif, OrientationTag) is not { } e || e.Type != 3) return null;
        int v = e.Read16(e.ValueOffset);
        return v is >= 1 and <= 8 ? v : null;
    }

    /// <summary>A copy with the orientation tag set to <paramref name="orientation"/>, or the block itself when it has no such tag.</summary>
    public static byte[] WithOrientation(byte[] exif, int orientation)
    {
        if (Find(exif, OrientationTag) is not { } e || e.Type != 3) return exif;
        var copy = (byte[])exif.Clone();
        if (e.Big) BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(e.ValueOffset), (ushort)orientation);
        else BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(e.ValueOffset), (ushort)orientation);
        return copy;
    }

    /// <summary>A copy whose XResolution/YResolution tags (where present, as rationals) say <paramref name="xDpi"/> and
    /// <paramref name="yDpi"/> pixels per inch (ResolutionUnit set to inch), so the block agrees with the file's own resolution.</summary>
    public static byte[] WithResolution(byte[] exif, double xDpi, double yDpi)
    {
        var copy = (byte[])exif.Clone();
        bool changed = false;
        void Put(ushort tag, double dpi)
        {
            if (Find(copy, tag) is not { Type: 5, Count: 1 } e) return;
            int off = e.Tiff + (int)e.Read32(e.ValueOffset);
            if (off < e.Tiff || off + 8 > copy.Length || !(dpi > 0) || dpi > 4e6) return;
            uint num = (uint)Math.Round(dpi * 1000), den = 1000;
            var span = copy.AsSpan(off);
            if (e.Big) { BinaryPrimitives.WriteUInt32BigEndian(span, num); BinaryPrimitives.WriteUInt32BigEndian(span[4..], den); }
            else { BinaryPrimitives.WriteUInt32LittleEndian(span, num); BinaryPrimitives.WriteUInt32LittleEndian(span[4..], den); }
            changed = true;
        }
        Put(XResolutionTag, xDpi);
        Put(YResolutionTag, yDpi);
        if (changed && Find(copy, ResolutionUnitTag) is { Type: 3 } u)
        {
            if (u.Big) BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(u.ValueOffset), 2);
            else BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(u.ValueOffset), 2);
        }
        return changed ? copy : exif;
    }

    /// <summary>X and Y resolution in pixels per inch, or null when absent or invalid.</summary>
    public static (double X, double Y)? ResolutionDpi(byte[] exif)
    {
        double? Rational(ushort tag)
        {
            if (Find(exif, tag) is not { } e || e.Type != 5 || e.Count != 1) return null;
            int off = e.Tiff + (int)e.Read32(e.ValueOffset);
            if (off < e.Tiff || off + 8 > exif.Length) return null;
            uint num = e.Read32(off), den = e.Read32(off + 4);
            return den == 0 || num == 0 ? null : num / (double)den;
        }
        if (Rational(XResolutionTag) is not { } x || Rational(YResolutionTag) is not { } y) return null;
        int unit = Find(exif, ResolutionUnitTag) is { Type: 3 } u ? u.Read16(u.ValueOffset) : 2;
        return unit switch { 2 => (x, y), 3 => (x * 2.54, y * 2.54), _ => null };
    }

    readonly record struct Entry(byte[] Data, int Tiff, bool Big, ushort Type, uint Count, int ValueOffset)
    {
        public ushort Read16(int at) => Big ? BinaryPrimitives.ReadUInt16BigEndian(Data.AsSpan(at)) : BinaryPrimitives.ReadUInt16LittleEndian(Data.AsSpan(at));
        public uint Read32(int at) => Big ? BinaryPrimitives.ReadUInt32BigEndian(Data.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(Data.AsSpan(at));
    }

    /// <summary>The IFD0 entry for <paramref name="tag"/>; <see cref="Entry.ValueOffset"/> is where its (inline) value lies.</summary>
    static Entry? Find(byte[] exif, ushort tag)
    {
        int tiff = exif.AsSpan().StartsWith(Header) ? Header.Length : 0;
        if (exif.Length < tiff + 8) return null;
        bool big;
        if (exif[tiff] == 'I' && exif[tiff + 1] == 'I') big = false;
        else if (exif[tiff] == 'M' && exif[tiff + 1] == 'M') big = true;
        else return null;
        var probe = new Entry(exif, tiff, big, 0, 0, 0);
        if (probe.Read16(tiff + 2) != 42) return null;
        long ifd = tiff + (long)probe.Read32(tiff + 4);
        if (ifd < tiff + 8 || ifd + 2 > exif.Length) return null;
        int n = probe.Read16((int)ifd);
        for (int i = 0; i < n; i++)
        {
            int at = (int)ifd + 2 + 12 * i;
            if (at + 12 > exif.Length) return null;
            if (probe.Read16(at) == tag) return probe with { Type = probe.Read16(at + 2), Count = probe.Read32(at + 4), ValueOffset = at + 8 };
        }
        return null;
    }
}
