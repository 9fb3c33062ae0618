using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using MambaIR.Checkpoints;
using static TorchSharp.torch;

namespace MambaIR.Tests.Checkpoints;

/// <summary>
/// The CRC-32 in .pth zip records (System.IO.Hashing): it is zip's CRC (IEEE 802.3 reflected, not CRC-32C), and what the
/// writer records matches Python's zlib.crc32 and the bit-by-bit definition for every record, in the local and the
/// central headers. (ZipArchive does not check CRCs of stored entries on read, so the test recomputes them.)
/// </summary>
[Collection("torch")]
public class Crc32Tests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("crc32");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static byte[] Pattern(int n) => Enumerable.Range(0, n).Select(i => (byte)((i * 31 + 7) % 256)).ToArray();

    /// <summary>CRC-32 by its definition: reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF.</summary>
    static uint ByDefinition(ReadOnlySpan<byte> data)
    {
        uint c = ~0u;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        }
        return ~c;
    }

    [Fact]
    public void CheckValue()
    {
        // The standard check value of CRC-32/ISO-HDLC (zip, zlib, PNG); CRC-32C would give 0xE3069283.
        Assert.Equal(0xCBF43926u, Crc32.HashToUInt32("123456789"u8));
        Assert.Equal(0xCBF43926u, ByDefinition("123456789"u8));
    }

    [Fact]
    public void WrittenPthRecordsCarryZlibCrcs()
    {
        string pth = Path.Combine(_dir, "crc.pth");
        using (var sd = new StateDict())
        {
            sd.Add("long", tensor(Pattern(100000)));
            sd.Add("short", tensor(Pattern(77)));
            Checkpoint.SavePth(sd, pth);
        }

        using var zip = ZipFile.OpenRead(pth);
        var storages = zip.Entries.Where(e => e.FullName.StartsWith("crc/data/", StringComparison.Ordinal)).ToDictionary(e => e.Length, e => e.Crc32);
        // Values from Python's zlib.crc32 over the same bytes.
        Assert.Equal(0x92858800u, storages[100000]);
        Assert.Equal(0x25c6ce83u, storages[77]);

        // Every record (data.pkl, storages, version, byteorder, ...): the recorded CRC is that of the bytes ZipArchive reads.
        foreach (var e in zip.Entries)
        {
            using var s = e.Open();
            var ms = new MemoryStream();
            s.CopyTo(ms);
            Assert.True(ByDefinition(ms.ToArray()) == e.Crc32, $"{e.FullName}: recorded CRC 0x{e.Crc32:X8}, data has 0x{ByDefinition(ms.ToArray()):X8}");
        }

        // The local headers carry the same CRCs as the central directory.
        byte[] file = File.ReadAllBytes(pth);
        var local = new Dictionary<string, uint>();
        for (int pos = 0; pos + 30 <= file.Length && BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos)) == 0x04034b50;)
        {
            int nameLen = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(pos + 26)), extraLen = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(pos + 28));
            local[Encoding.UTF8.GetString(file, pos + 30, nameLen)] = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 14));
            pos += 30 + nameLen + extraLen + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 18));
        }
        Assert.Equal(zip.Entries.ToDictionary(e => e.FullName, e => e.Crc32), local);
    }
}
