using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace MambaIR.Checkpoints.Zip;

/// <summary>
/// Writes an uncompressed (stored) zip archive the way PyTorch's serializer does: every record's data starts at a
/// multiple of <see cref="Alignment"/> bytes, padded with an extra field <c>"FB"</c> of <c>'Z'</c>s, so that the
/// storages can be memory-mapped. Switches to zip64 records when offsets or counts need it.
/// </summary>
internal sealed class AlignedZipWriter : IDisposable
{
    public const int Alignment = 64;
    const ushort PaddingFieldId = 0x4246; // "FB"

    sealed record Record(byte[] Name, uint Crc, long Size, long Offset);

    readonly Stream _out;
    readonly List<Record> _records = new();
    readonly long _zip64Threshold;
    bool _finished;

    /// <param name="output">A writable stream positioned at 0.</param>
    /// <param name="zip64Threshold">Offsets, sizes and counts at or above this use zip64 fields (tests lower it).</param>
    public AlignedZipWriter(Stream output, long zip64Threshold = uint.MaxValue)
    {
        _out = output;
        _zip64Threshold = zip64Threshold;
    }

    /// <summary>Adds a record whose bytes are <paramref name="data"/>.</summary>
    public void Add(string name, ReadOnlySpan<byte> data)
    {
        if (_finished) throw new InvalidOperationException("archive already finished");
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        long offset = _out.Position;
        long start = offset + 30 + nameBytes.Length + 4;
        int padding = (int)((Alignment - start % Alignment) % Alignment);
        uint crc = Crc32.HashToUInt32(data);

        Span<byte> h = stackalloc byte[30];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 20);              // version needed
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 0x0800);          // flags: UTF-8 names
        BinaryPrimitives.WriteUInt16LittleEndian(h[8..], 0);               // stored
        BinaryPrimitives.WriteUInt32LittleEndian(h[10..], 0x00210000);     // DOS time/date: 1980-01-01 00:00
        BinaryPrimitives.WriteUInt32LittleEndian(h[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(h[18..], (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(h[22..], (uint)data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(h[26..], (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)(4 + padding));
        _out.Write(h);
        _out.Write(nameBytes);
        Span<byte> fb = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(fb, PaddingFieldId);
        BinaryPrimitives.WriteUInt16LittleEndian(fb[2..], (ushort)padding);
        _out.Write(fb);
        for (int i = 0; i < padding; i++) _out.WriteByte((byte)'Z');
        _out.Write(data);
        _records.Add(new Record(nameBytes, crc, data.Length, offset));
    }

    /// <summary>Writes the central directory and end records.</summary>
    public void Finish()
    {
        if (_finished) return;
        _finished = true;
        long cdStart = _out.Position;
        foreach (var r in _records) WriteCentralEntry(r);
        long cdSize = _out.Position - cdStart;
        bool zip64 = _records.Count >= Math.Min(0xFFFF, _zip64Threshold) || cdStart >= _zip64Threshold || cdSize >= _zip64Threshold;
        if (zip64)
        {
            long eocd64 = _out.Position;
            Span<byte> z = stackalloc byte[56];
            BinaryPrimitives.WriteUInt32LittleEndian(z, 0x06064b50);
            BinaryPrimitives.WriteUInt64LittleEndian(z[4..], 44);           // size of the rest of this record
            BinaryPrimitives.WriteUInt16LittleEndian(z[12..], 45);
            BinaryPrimitives.WriteUInt16LittleEndian(z[14..], 45);
            BinaryPrimitives.WriteUInt32LittleEndian(z[16..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(z[20..], 0);
            BinaryPrimitives.WriteUInt64LittleEndian(z[24..], (ulong)_records.Count);
            BinaryPrimitives.WriteUInt64LittleEndian(z[32..], (ulong)_records.Count);
            BinaryPrimitives.WriteUInt64LittleEndian(z[40..], (ulong)cdSize);
            BinaryPrimitives.WriteUInt64LittleEndian(z[48..], (ulong)cdStart);
            _out.Write(z);
            Span<byte> loc = stackalloc byte[20];
            BinaryPrimitives.WriteUInt32LittleEndian(loc, 0x07064b50);
            BinaryPrimitives.WriteUInt32LittleEndian(loc[4..], 0);
            BinaryPrimitives.WriteUInt64LittleEndian(loc[8..], (ulong)eocd64);
            BinaryPrimitives.WriteUInt32LittleEndian(loc[16..], 1);
            _out.Write(loc);
        }
        Span<byte> e = stackalloc byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(e, 0x06054b50);
        ushort count = zip64 ? (ushort)0xFFFF : (ushort)_records.Count;
        BinaryPrimitives.WriteUInt16LittleEndian(e[8..], count);
        BinaryPrimitives.WriteUInt16LittleEndian(e[10..], count);
        BinaryPrimitives.WriteUInt32LittleEndian(e[12..], zip64 ? uint.MaxValue : (uint)cdSize);
        BinaryPrimitives.WriteUInt32LittleEndian(e[16..], zip64 ? uint.MaxValue : (uint)cdStart);
        _out.Write(e);
    }

    void WriteCentralEntry(Record r)
    {
        bool bigOffset = r.Offset >= _zip64Threshold;
        Span<byte> c = stackalloc byte[46];
        BinaryPrimitives.WriteUInt32LittleEndian(c, 0x02014b50);
        BinaryPrimitives.WriteUInt16LittleEndian(c[4..], bigOffset ? (ushort)45 : (ushort)20); // version made by
        BinaryPrimitives.WriteUInt16LittleEndian(c[6..], bigOffset ? (ushort)45 : (ushort)20); // version needed
        BinaryPrimitives.WriteUInt16LittleEndian(c[8..], 0x0800);
        BinaryPrimitives.WriteUInt16LittleEndian(c[10..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(c[12..], 0x00210000);
        BinaryPrimitives.WriteUInt32LittleEndian(c[16..], r.Crc);
        BinaryPrimitives.WriteUInt32LittleEndian(c[20..], (uint)r.Size);
        BinaryPrimitives.WriteUInt32LittleEndian(c[24..], (uint)r.Size);
        BinaryPrimitives.WriteUInt16LittleEndian(c[28..], (ushort)r.Name.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(c[30..], bigOffset ? (ushort)12 : (ushort)0);
        BinaryPrimitives.WriteUInt32LittleEndian(c[42..], bigOffset ? uint.MaxValue : (uint)r.Offset);
        _out.Write(c);
        _out.Write(r.Name);
        if (bigOffset)
        {
            Span<byte> x = stackalloc byte[12];
            BinaryPrimitives.WriteUInt16LittleEndian(x, 0x0001);
            BinaryPrimitives.WriteUInt16LittleEndian(x[2..], 8);
            BinaryPrimitives.WriteUInt64LittleEndian(x[4..], (ulong)r.Offset);
            _out.Write(x);
        }
    }

    public void Dispose() => Finish();
}
