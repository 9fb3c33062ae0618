// Hand-written: reads LMDB 0.9 files (py-lmdb/BasicSR) in managed code with positional reads: no native liblmdb, no lock file, thread-safe lookups.
using System.Text;
using Microsoft.Win32.SafeHandles;
using static MambaIR.Data.Lmdb.LmdbFormat;

namespace MambaIR.Data.Lmdb;

/// <summary>
/// Read-only access to the main database of an LMDB 0.9 environment (<c>data.mdb</c>), as written by py-lmdb /
/// BasicSR, in pure managed code (no native library, no lock file; like <c>lmdb.open(readonly=True, lock=False)</c>).
/// Thread-safe: every lookup reads pages with positional reads.
/// </summary>
public sealed class LmdbReader : IDisposable
{
    readonly SafeFileHandle _file;
    readonly ulong _root;
    readonly long _fileLength;

    /// <summary>The environment folder (or the data file itself).</summary>
    public string Path { get; }
    /// <summary>Page size recorded in the meta page.</summary>
    public int PageSize { get; }
    /// <summary>Number of key/value pairs in the main database.</summary>
    public long Count { get; }
    /// <summary>Height of the B+tree (0 when empty).</summary>
    public int Depth { get; }

    /// <summary>Opens <paramref name="path"/>: a folder containing <c>data.mdb</c>, or a data file.</summary>
    public LmdbReader(string path)
    {
        Path = path;
        string data = Directory.Exists(path) ? System.IO.Path.Combine(path, "data.mdb") : path;
        if (!File.Exists(data)) throw new FileNotFoundException($"LMDB data file not found: {data}", data);
        _file = File.OpenHandle(data, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        try
        {
            _fileLength = RandomAccess.GetLength(_file);
            var m0 = ReadMeta(0, DefaultPageSize);
            if (m0 == null) throw Invalid("meta page 0 is missing or not an LMDB 0.9 meta page");
            var m1 = ReadMeta(1, m0.Value.PageSize);
            var meta = m1 is { } b && b.TxnId > m0.Value.TxnId ? b : m0.Value;
            PageSize = meta.PageSize; _root = meta.Root; Count = (long)meta.Entries; Depth = meta.Depth;
        }
        catch { _file.Dispose(); throw; }
    }

    readonly record struct Meta(int PageSize, ulong TxnId, ulong Root, ulong Entries, int Depth);

    Meta? ReadMeta(long pgno, int pageSize)
    {
        var buf = new byte[MetaEnd];
        long offset = pgno * pageSize;
        if (offset + MetaEnd > _fileLength) return null;
        RandomAccess.Read(_file, buf, offset);
        if ((U16(buf, 10) & PMeta) == 0 || U32(buf, MetaMagic) != Magic) return null;
        uint version = U32(buf, MetaVersion);
        if (version != DataVersion)
            throw Invalid($"LMDB data version {version} is not supported (only version {DataVersion}, written by LMDB 0.9.x / py-lmdb; LMDB 1.0 files are not readable by BasicSR either)");
        int psize = (int)U32(buf, MetaFreeDb + DbPad);
        if (psize < 512 || (psize & (psize - 1)) != 0) throw Invalid($"implausible page size {psize}");
        int mainFlags = U16(buf, MetaMainDb + DbFlags);
        if (mainFlags != 0) throw Invalid($"main database flags 0x{mainFlags:x} (dupsort/integer keys) are not supported");
        return new Meta(psize, U64(buf, MetaTxnId), U64(buf, MetaMainDb + DbRoot), U64(buf, MetaMainDb + DbEntries), U16(buf, MetaMainDb + DbDepth));
    }

    InvalidDataException Invalid(string why) => new($"LMDB {Path}: {why}");

    byte[] Page(ulong pgno)
    {
        long offset = checked((long)pgno * PageSize);
        if (offset + PageSize > _fileLength) throw Invalid($"page {pgno} lies beyond the end of the file (truncated?)");
        var p = new byte[PageSize];
        RandomAccess.Read(_file, p, offset);
        if (U64(p, 0) != pgno) throw Invalid($"page {pgno} carries page number {U64(p, 0)} (corrupt)");
        return p;
    }

    static int NumKeys(byte[] page) => (U16(page, 12) - PageHeaderSize) >> 1;
    static int NodeOffset(byte[] page, int i) => U16(page, PageHeaderSize + 2 * i);
    static ReadOnlySpan<byte> NodeKey(byte[] page, int node) => page.AsSpan(node + NodeHeaderSize, U16(page, node + 6));

    /// <summary>The value stored under <paramref name="key"/>, or null.</summary>
    public byte[]? TryGet(ReadOnlySpan<byte> key)
    {
        if (_root == InvalidPage) return null;
        var page = Page(_root);
        for (int level = 0; ; level++)
        {
            ushort flags = U16(page, 10);
            int n = NumKeys(page);
            if ((flags & PBranch) != 0)
            {
                // child i covers keys >= key_i (key_0 is implicit −∞): take the last i with key_i <= key
                int lo = 1, hi = n - 1, child = 0;
                while (lo <= hi)
                {
                    int mid = (lo + hi) >> 1;
                    if (CompareKeys(NodeKey(page, NodeOffset(page, mid)), key) <= 0) { child = mid; lo = mid + 1; } else hi = mid - 1;
                }
                int node = NodeOffset(page, child);
                ulong pgno = U16(page, node) | ((ulong)U16(page, node + 2) << 16) | ((ulong)U16(page, node + 4) << 32);
                if (level > 64) throw Invalid("tree deeper than 64 levels (corrupt)");
                page = Page(pgno);
                continue;
            }
            if ((flags & PLeaf) == 0 || (flags & PLeaf2) != 0) throw Invalid($"unexpected page flags 0x{flags:x} on page {U64(page, 0)}");
            int l = 0, h = n - 1;
            while (l <= h)
            {
                int mid = (l + h) >> 1;
                int node = NodeOffset(page, mid);
                int c = CompareKeys(NodeKey(page, node), key);
                if (c == 0) return NodeValue(page, node);
                if (c < 0) l = mid + 1; else h = mid - 1;
            }
            return null;
        }
    }

    /// <summary>The value stored under an ASCII/UTF-8 key, or null.</summary>
    public byte[]? TryGet(string key) => TryGet(Encoding.UTF8.GetBytes(key));

    /// <summary>The value stored under <paramref name="key"/>; throws <see cref="KeyNotFoundException"/> naming the key and database.</summary>
    public byte[] Get(string key) => TryGet(key) ?? throw new KeyNotFoundException($"key '{key}' not found in LMDB {Path}");

    byte[] NodeValue(byte[] page, int node)
    {
        int size = U16(page, node) | (U16(page, node + 2) << 16);
        ushort flags = U16(page, node + 4);
        int ksize = U16(page, node + 6);
        if ((flags & (FSubData | FDupData)) != 0) throw Invalid("sub-databases / duplicate values are not supported");
        int data = node + NodeHeaderSize + ksize;
        if ((flags & FBigData) == 0) return page.AsSpan(data, size).ToArray();
        ulong pgno = U64(page, data);
        long offset = checked((long)pgno * PageSize) + PageHeaderSize;
        if (offset + size > _fileLength) throw Invalid($"overflow value at page {pgno} runs past the end of the file (truncated?)");
        var value = new byte[size];
        RandomAccess.Read(_file, value, offset);
        return value;
    }

    /// <summary>All pairs in key order.</summary>
    public IEnumerable<(byte[] Key, byte[] Value)> Enumerate()
    {
        if (_root == InvalidPage) yield break;
        var stack = new Stack<ulong>();
        stack.Push(_root);
        while (stack.Count > 0)
        {
            var page = Page(stack.Pop());
            int n = NumKeys(page);
            if ((U16(page, 10) & PBranch) != 0)
            {
                for (int i = n - 1; i >= 0; i--)
                {
                    int node = NodeOffset(page, i);
                    stack.Push(U16(page, node) | ((ulong)U16(page, node + 2) << 16) | ((ulong)U16(page, node + 4) << 32));
                }
                continue;
            }
            for (int i = 0; i < n; i++)
            {
                int node = NodeOffset(page, i);
                yield return (NodeKey(page, node).ToArray(), NodeValue(page, node));
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
