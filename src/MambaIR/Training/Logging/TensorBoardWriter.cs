using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace MambaIR.Training.Logging;

/// <summary>
/// Writes TensorBoard event files (<c>events.out.tfevents.{time}.{host}.{pid}.0</c>) without protobuf or TensorFlow:
/// each record is TFRecord framing — uint64 length, masked CRC-32C of the length, the bytes, masked CRC-32C of the
/// bytes (mask: <c>((crc &gt;&gt; 15) | (crc &lt;&lt; 17)) + 0xa282ead8</c>) — around a <c>tensorflow.Event</c> message
/// encoded by hand: <c>wall_time</c> (field 1, double), <c>step</c> (2, int64), <c>file_version</c> (3, string, first
/// record <c>brain.Event:2</c>), <c>summary</c> (5: repeated <c>value</c> 1 = {<c>tag</c> 1, <c>simple_value</c> 2 float}),
/// <c>session_log</c> (6: <c>status</c> 1, START = 1). Resuming writes a session-log START at the resumed step, which
/// makes TensorBoard drop the events an interrupted run wrote after it. CRC-32C comes from
/// <see cref="BitOperations.Crc32C(uint, byte)"/> (hardware-accelerated, no package needed). Google.Protobuf is not needed:
/// the five fields above are all TensorBoard reads for scalars.
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    readonly FileStream _file;
    readonly object _gate = new();

    /// <summary>Creates a new event file in <paramref name="folder"/>.</summary>
    public TensorBoardWriter(string folder)
    {
        Directory.CreateDirectory(folder);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string host = SafeHost();
        string path;
        int n = 0;
        do path = Path.Combine(folder, $"events.out.tfevents.{now:D10}.{host}.{Environment.ProcessId}.{n++}"); while (File.Exists(path));
        FilePath = path;
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        WriteEvent(WallTime(), 0, e => WriteString(e, 3, "brain.Event:2"));
    }

    /// <summary>The event file.</summary>
    public string FilePath { get; }

    /// <summary>Adds a scalar (<c>add_scalar(tag, value, step)</c>), stamped now or at <paramref name="wallTime"/> (Unix seconds).</summary>
    public void AddScalar(string tag, double value, long step, double? wallTime = null)
    {
        WriteEvent(wallTime ?? WallTime(), step, e =>
        {
            var val = new MemoryStream();
            WriteString(val, 1, tag);
            WriteTag(val, 2, 5);
            Span<byte> f = stackalloc byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(f, (float)value);
            val.Write(f);
            var summary = new MemoryStream();
            WriteBytes(summary, 1, val.ToArray());
            WriteBytes(e, 5, summary.ToArray());
        });
    }

    /// <summary>A session-log START at <paramref name="step"/> (TensorBoard then purges later steps of earlier runs).</summary>
    public void AddSessionStart(long step)
    {
        WriteEvent(WallTime(), step, e =>
        {
            var log = new MemoryStream();
            WriteTag(log, 1, 0);
            WriteVarint(log, 1);
            WriteBytes(e, 6, log.ToArray());
        });
    }

    /// <summary>Flushes buffered records to the file.</summary>
    public void Flush() { lock (_gate) _file.Flush(); }

    public void Dispose() { lock (_gate) _file.Dispose(); }

    void WriteEvent(double wallTime, long step, Action<MemoryStream> body)
    {
        var e = new MemoryStream();
        WriteTag(e, 1, 1);
        Span<byte> d = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(d, wallTime);
        e.Write(d);
        if (step != 0) { WriteTag(e, 2, 0); WriteVarint(e, (ulong)step); }
        body(e);
        WriteRecord(e.ToArray());
    }

    /// <summary>One TFRecord: length, masked CRC of the length, data, masked CRC of the data.</summary>
    void WriteRecord(byte[] data)
    {
        lock (_gate) _file.Write(Frame(data));
    }

    /// <summary>The TFRecord framing of <paramref name="data"/>.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> data)
    {
        var rec = new byte[8 + 4 + data.Length + 4];
        BinaryPrimitives.WriteUInt64LittleEndian(rec, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(rec.AsSpan(8), MaskedCrc(rec.AsSpan(0, 8)));
        data.CopyTo(rec.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(rec.AsSpan(12 + data.Length), MaskedCrc(data));
        return rec;
    }

    /// <summary>CRC-32C (Castagnoli) of <paramref name="data"/>.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    /// <summary>TFRecord's masked CRC-32C.</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    static void WriteTag(Stream s, int field, int wireType) => WriteVarint(s, (ulong)((field << 3) | wireType));

    static void WriteVarint(Stream s, ulong v)
    {
        while (v >= 0x80) { s.WriteByte((byte)(v | 0x80)); v >>= 7; }
        s.WriteByte((byte)v);
    }

    static void WriteBytes(Stream s, int field, byte[] bytes)
    {
        WriteTag(s, field, 2);
        WriteVarint(s, (ulong)bytes.Length);
        s.Write(bytes);
    }

    static void WriteString(Stream s, int field, string text) => WriteBytes(s, field, Encoding.UTF8.GetBytes(text));

    static double WallTime() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    static string SafeHost()
    {
        string h;
        try { h = Environment.MachineName; } catch (InvalidOperationException) { h = "localhost"; }
        return new string(h.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
    }
}
