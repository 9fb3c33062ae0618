// Hand-written: LMDB 0.9's on-disk format (what py-lmdb and BasicSR write), read and written in managed code: no native liblmdb to ship or load, no lock file, no map size to guess.
using System.Buffers.Binary;

namespace MambaIR.Data.Lmdb;

/// <summary>
/// On-disk layout of LMDB 0.9.x (data version 1, 64-bit): the format py-lmdb, and therefore BasicSR, reads and
/// writes. Pages start with a 16-byte header {pgno u64, pad u16, flags u16, lower u16 | upper u16 (or u32 overflow
/// page count)}; pages 0 and 1 are meta pages; nodes are {lo u16, hi u16, flags u16, ksize u16, key, data}.
/// </summary>
internal static class LmdbFormat
{
    public const uint Magic = 0xBEEFC0DE;
    public const uint DataVersion = 1;
    public const int PageHeaderSize = 16;
    public const int NodeHeaderSize = 8;
    public const int DefaultPageSize = 4096;
    public const int MaxKeySize = 511;
    public const ulong InvalidPage = ulong.MaxValue;

    public const ushort PBranch = 0x01, PLeaf = 0x02, POverflow = 0x04, PMeta = 0x08, PLeaf2 = 0x20;
    public const ushort FBigData = 0x01, FSubData = 0x02, FDupData = 0x04;

    // MDB_meta, relative to the page start (after the 16-byte page header).
    public const int MetaMagic = 16, MetaVersion = 20, MetaMapSize = 32, MetaFreeDb = 40, MetaMainDb = 88, MetaLastPage = 136, MetaTxnId = 144, MetaEnd = 152;
    // MDB_db, relative to the db record.
    public const int DbPad = 0, DbFlags = 4, DbDepth = 6, DbBranchPages = 8, DbLeafPages = 16, DbOverflowPages = 24, DbEntries = 32, DbRoot = 40;

    /// <summary>Largest leaf node kept inline: ((psize − header) / 2 &amp; −2) − sizeof(indx_t), as <c>me_nodemax</c>.</summary>
    public static int NodeMax(int pageSize) => (((pageSize - PageHeaderSize) / 2) & -2) - 2;

    /// <summary>Pages an overflow value of <paramref name="size"/> bytes occupies (<c>OVPAGES</c>).</summary>
    public static int OverflowPages(long size, int pageSize) => (int)((PageHeaderSize - 1 + size) / pageSize + 1);

    public static int Even(int n) => (n + 1) & ~1;

    /// <summary>LMDB's default key order: bytewise, then shorter first (<c>mdb_cmp_memn</c>).</summary>
    public static int CompareKeys(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.SequenceCompareTo(b);

    public static ushort U16(ReadOnlySpan<byte> s, int o) => BinaryPrimitives.ReadUInt16LittleEndian(s[o..]);
    public static uint U32(ReadOnlySpan<byte> s, int o) => BinaryPrimitives.ReadUInt32LittleEndian(s[o..]);
    public static ulong U64(ReadOnlySpan<byte> s, int o) => BinaryPrimitives.ReadUInt64LittleEndian(s[o..]);
}
