using System.Globalization;
using System.Text;
using LightningDB;
using MambaIR.Data;

namespace MambaIR.Text;

/// <summary>
/// Writes a TextZoom-format LMDB: records get consecutive 1-based indices (<c>label-%09d</c>, <c>image_hr-%09d</c>,
/// <c>image_lr-%09d</c>), and <c>num-samples</c> is written on <see cref="Dispose"/>. Commits every
/// <see cref="CommitEvery"/> samples. The target folder must not already contain an LMDB.
/// </summary>
public sealed class TextZoomLmdbWriter : IDisposable
{
    /// <summary>Samples per write transaction.</summary>
    public const int CommitEvery = 1000;

    readonly LightningEnvironment _env;
    LightningTransaction? _txn;
    LightningDatabase? _db;
    bool _disposed;

    /// <summary>The LMDB folder.</summary>
    public string Path { get; }

    /// <summary>Samples written so far.</summary>
    public int Count { get; private set; }

    /// <summary>Creates the LMDB at <paramref name="path"/> with a map of <paramref name="mapSizeBytes"/> (a sparse upper bound).</summary>
    public TextZoomLmdbWriter(string path, long mapSizeBytes = 8L << 30)
    {
        Path = System.IO.Path.GetFullPath(path);
        if (File.Exists(System.IO.Path.Combine(Path, "data.mdb")))
            throw new IOException($"{Path}: an LMDB already exists here; choose an empty folder");
        Directory.CreateDirectory(Path);
        LmdbNative.EnsureLoaded();
        _env = new LightningEnvironment(Path, new EnvironmentConfiguration { MapSize = mapSizeBytes });
        try { _env.Open(); }
        catch (LightningException e) { _env.Dispose(); throw new IOException($"{Path}: cannot create LMDB: {e.Message}", e); }
    }

    /// <summary>Appends one sample; returns its 1-based index.</summary>
    public int Add(string label, byte[] highResEncoded, byte[] lowResEncoded)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_txn == null) { _txn = _env.BeginTransaction(); _db = _txn.OpenDatabase(); }
        int i = ++Count;
        Put(TextZoomKeys.Label(i), Encoding.UTF8.GetBytes(label));
        Put(TextZoomKeys.HighRes(i), highResEncoded);
        Put(TextZoomKeys.LowRes(i), lowResEncoded);
        if (i % CommitEvery == 0) Commit();
        return i;
    }

    void Put(string key, byte[] value)
    {
        var rc = _txn!.Put(_db!, Encoding.ASCII.GetBytes(key), value);
        if (rc != MDBResultCode.Success) throw new IOException($"{Path}: writing '{key}' failed: {rc}");
    }

    void Commit()
    {
        if (_txn == null) return;
        var rc = _txn.Commit();
        _db!.Dispose(); _txn.Dispose();
        _txn = null; _db = null;
        if (rc != MDBResultCode.Success) throw new IOException($"{Path}: commit failed: {rc}");
    }

    /// <summary>Writes <c>num-samples</c>, commits and closes.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (_txn == null) { _txn = _env.BeginTransaction(); _db = _txn.OpenDatabase(); }
            Put(TextZoomKeys.NumSamples, Encoding.ASCII.GetBytes(Count.ToString(CultureInfo.InvariantCulture)));
            Commit();
        }
        finally { _env.Dispose(); }
    }
}
