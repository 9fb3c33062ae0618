// Hand-written: writes LMDB 0.9 files that py-lmdb/BasicSR read, in managed code: no native liblmdb, values streamed to disk, the map size taken from the file.
using System.Buffers.Binary;
using System.Text;
using static MambaIR.Data.Lmdb.LmdbFormat;

namespace MambaIR.Data.Lmdb;

/// <summary>
/// Writes a new LMDB 0.9 environment (<c>data.mdb</c>, page size 4096, one unnamed database) in pure managed code,
/// readable by py-lmdb / BasicSR and by <see cref="LmdbReader"/>. Keys must arrive in strictly increasing LMDB order
/// (bytewise); values are streamed to disk, so memory stays flat however large the database. The tree is built
/// bottom-up like a bulk load: full leaf pages, values larger than LMDB's node limit in overflow pages, branch
/// levels on <see cref="Complete"/>, then the two meta pages. The map size recorded is the file size (readers
/// grow it as needed), so no map size has to be guessed.
/// </summary>
public sealed class LmdbWriter : IDisposable
{
    readonly FileStream _out;
    readonly int _psize = DefaultPageSize;
    readonly byte[] _leaf;
    readonly List<(byte[] FirstKey, ulong Pgno)> _leaves = [];
    int _leafLower, _leafUpper, _leafCount;
    byte[]? _leafFirstKey, _lastKey;
    ulong _nextPgno = 2;
    long _entries, _overflowPages;
    bool _completed;

    /// <summary>The environment folder.</summary>
    public string Path { get; }

    /// <summary>Creates <paramref name="folder"/> (if needed) and a new <c>data.mdb</c> in it; an existing one is an error
    /// unless <paramref name="overwrite"/>.</summary>
    public LmdbWriter(string folder, bool overwrite = false)
    {
        Path = folder;
        Directory.CreateDirectory(folder);
        string data = System.IO.Path.Combine(folder, "data.mdb");
        if (File.Exists(data) && !overwrite) throw new IOException($"LMDB {data} already exists (choose another folder, or ask to overwrite it)");
        File.Delete(System.IO.Path.Combine(folder, "lock.mdb"));
        _out = new FileStream(data, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        _out.Write(new byte[2 * _psize]); // meta pages, filled in by Complete()
        _leaf = new byte[_psize];
        ResetLeaf();
    }

    /// <summary>Number of pairs added so far.</summary>
    public long Count => _entries;

    /// <summary>Adds a pair with a UTF-8 key.</summary>
    public void Add(string key, ReadOnlySpan<byte> value) => Add(Encoding.UTF8.GetBytes(key), value);

    /// <summary>Adds a pair; keys must be 1..511 bytes and strictly increasing.</summary>
    public void Add(byte[] key, ReadOnlySpan<byte> value)
    {
        if (_completed) throw new InvalidOperationException("the LMDB writer is already completed");
        if (key.Length is 0 or > MaxKeySize) throw new ArgumentException($"LMDB keys must be 1..{MaxKeySize} bytes, got {key.Length} ('{Encoding.UTF8.GetString(key)}')");
        if (_lastKey != null && CompareKeys(_lastKey, key) >= 0)
            throw new ArgumentException($"LMDB keys must be added in increasing order without duplicates: '{Encoding.UTF8.GetString(key)}' after '{Encoding.UTF8.GetString(_lastKey)}'");
        _lastKey = key;

        bool big = NodeHeaderSize + key.Length + value.Length > NodeMax(_psize);
        int nodeSize = Even(NodeHeaderSize + key.Length + (big ? 8 : value.Length));
        if (_leafCount > 0 && _leafUpper - _leafLower < nodeSize + 2) FlushLeaf();
        ulong overflow = big ? WriteOverflow(value) : 0;

        _leafUpper -= nodeSize;
        var n = _leaf.AsSpan(_leafUpper, nodeSize);
        n.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(n, (ushort)(value.Length & 0xFFFF));
        BinaryPrimitives.WriteUInt16LittleEndian(n[2..], (ushort)(value.Length >> 16));
        BinaryPrimitives.WriteUInt16LittleEndian(n[4..], big ? FBigData : (ushort)0);
        BinaryPrimitives.WriteUInt16LittleEndian(n[6..], (ushort)key.Length);
        key.CopyTo(n[NodeHeaderSize..]);
        if (big) BinaryPrimitives.WriteUInt64LittleEndian(n[(NodeHeaderSize + key.Length)..], overflow);
        else value.CopyTo(n[(NodeHeaderSize + key.Length)..]);
        BinaryPrimitives.WriteUInt16LittleEndian(_leaf.AsSpan(_leafLower), (ushort)_leafUpper);
        _leafLower += 2;
        _leafFirstKey ??= key;
        _leafCount++;
        _entries++;
    }

    ulong WriteOverflow(ReadOnlySpan<byte> value)
    {
        int pages = OverflowPages(value.Length, _psize);
        ulong pgno = _nextPgno;
        var head = new byte[PageHeaderSize];
        BinaryPrimitives.WriteUInt64LittleEndian(head, pgno);
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(10), POverflow);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(12), (uint)pages);
        _out.Write(head);
        _out.Write(value);
        _out.Write(new byte[(long)pages * _psize - PageHeaderSize - value.Length]);
        _nextPgno += (ulong)pages;
        _overflowPages += pages;
        return pgno;
    }

    void ResetLeaf()
    {
        Array.Clear(_leaf);
        _leafLower = PageHeaderSize; _leafUpper = _psize; _leafCount = 0; _leafFirstKey = null;
    }

    void FlushLeaf()
    {
        ulong pgno = _nextPgno++;
        WriteHeader(_leaf, pgno, PLeaf, _leafLower, _leafUpper);
        _out.Write(_leaf);
        _leaves.Add((_leafFirstKey!, pgno));
        ResetLeaf();
    }

    static void WriteHeader(byte[] page, ulong pgno, ushort flags, int lower, int upper)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(page, pgno);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(10), flags);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(12), (ushort)lower);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(14), (ushort)upper);
    }

    /// <summary>Writes the remaining leaf, the branch levels and the meta pages, and closes the file.</summary>
    public void Complete()
    {
        if (_completed) return;
        if (_leafCount > 0) FlushLeaf();
        var level = _leaves;
        int depth = level.Count == 0 ? 0 : 1;
        long branchPages = 0;
        while (level.Count > 1)
        {
            level = WriteBranchLevel(level, ref branchPages);
            depth++;
        }
        ulong root = level.Count == 0 ? InvalidPage : level[0].Pgno;
        ulong lastPage = _nextPgno - 1;
        var meta = new byte[_psize];
        for (int m = 0; m < 2; m++)
        {
            Array.Clear(meta);
            WriteHeader(meta, (ulong)m, PMeta, 0, 0);
            var s = meta.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(s[MetaMagic..], Magic);
            BinaryPrimitives.WriteUInt32LittleEndian(s[MetaVersion..], DataVersion);
            BinaryPrimitives.WriteUInt64LittleEndian(s[MetaMapSize..], (lastPage + 1) * (ulong)_psize);
            BinaryPrimitives.WriteUInt32LittleEndian(s[(MetaFreeDb + DbPad)..], (uint)_psize);
            BinaryPrimitives.WriteUInt64LittleEndian(s[(MetaFreeDb + DbRoot)..], InvalidPage);
            BinaryPrimitives.WriteUInt16LittleEndian(s[(MetaMainDb + DbDepth)..], (ushort)depth);
            BinaryPrimitives.WriteUInt64LittleEndian(s[(MetaMainDb + DbBranchPages)..], (ulong)branchPages);
            BinaryPrimitives.WriteUInt64LittleEndian(s[(MetaMainDb + DbLeafPages)..], (ulong)_leaves.Count);
            BinaryPrimitives.WriteUInt64LittleEndian(s[(MetaMainDb + DbOverflowPages)..], (ulong)_overflowPages);
            BinaryPrimitives.WriteUInt64LittleEndian(s[(MetaMainDb + DbEntries)..], (ulong)_entries);
            BinaryPrimitives.WriteUInt64LittleEndian(s[(MetaMainDb + DbRoot)..], root);
            BinaryPrimitives.WriteUInt64LittleEndian(s[MetaLastPage..], lastPage);
            BinaryPrimitives.WriteUInt64LittleEndian(s[MetaTxnId..], (ulong)m); // meta 1 (txn 1) is the current one
            _out.Seek((long)m * _psize, SeekOrigin.Begin);
            _out.Write(meta);
        }
        _out.Flush(flushToDisk: true);
        _out.Dispose();
        _completed = true;
    }

    /// <summary>Packs child pointers into branch pages (first key of each page implicit), at least two per page.</summary>
    List<(byte[] FirstKey, ulong Pgno)> WriteBranchLevel(List<(byte[] FirstKey, ulong Pgno)> children, ref long branchPages)
    {
        // Split into groups that fit a page: node = EVEN(8 + ksize) + 2-byte pointer; the first node has no key.
        var groups = new List<List<(byte[] FirstKey, ulong Pgno)>>();
        var cur = new List<(byte[] FirstKey, ulong Pgno)>();
        int used = PageHeaderSize;
        foreach (var c in children)
        {
            int need = (cur.Count == 0 ? Even(NodeHeaderSize) : Even(NodeHeaderSize + c.FirstKey.Length)) + 2;
            if (cur.Count > 0 && used + need > _psize) { groups.Add(cur); cur = []; used = PageHeaderSize; need = Even(NodeHeaderSize) + 2; }
            cur.Add(c); used += need;
        }
        groups.Add(cur);
        if (groups.Count > 1 && groups[^1].Count == 1)
        {   // LMDB pages hold at least two keys: move one child over from the previous page
            var prev = groups[^2];
            groups[^1].Insert(0, prev[^1]);
            prev.RemoveAt(prev.Count - 1);
        }
        var parents = new List<(byte[] FirstKey, ulong Pgno)>();
        var page = new byte[_psize];
        foreach (var g in groups)
        {
            Array.Clear(page);
            int lower = PageHeaderSize, upper = _psize;
            for (int i = 0; i < g.Count; i++)
            {
                byte[] key = i == 0 ? [] : g[i].FirstKey;
                int size = Even(NodeHeaderSize + key.Length);
                upper -= size;
                var n = page.AsSpan(upper, size);
                ulong child = g[i].Pgno;
                BinaryPrimitives.WriteUInt16LittleEndian(n, (ushort)(child & 0xFFFF));
                BinaryPrimitives.WriteUInt16LittleEndian(n[2..], (ushort)((child >> 16) & 0xFFFF));
                BinaryPrimitives.WriteUInt16LittleEndian(n[4..], (ushort)((child >> 32) & 0xFFFF));
                BinaryPrimitives.WriteUInt16LittleEndian(n[6..], (ushort)key.Length);
                key.CopyTo(n[NodeHeaderSize..]);
                BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(lower), (ushort)upper);
                lower += 2;
            }
            ulong pgno = _nextPgno++;
            WriteHeader(page, pgno, PBranch, lower, upper);
            _out.Write(page);
            branchPages++;
            parents.Add((g[0].FirstKey, pgno));
        }
        return parents;
    }

    /// <summary>Closes the file. Without <see cref="Complete"/> the database has no meta pages and cannot be opened.</summary>
    public void Dispose()
    {
        if (!_completed) _out.Dispose();
    }
}
