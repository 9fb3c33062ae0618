using System.Globalization;
using System.Text;
using MambaIR.Data.Lmdb;

namespace MambaIR.Text;

/// <summary>
/// Writes a TextZoom-format LMDB in the LMDB 0.9 format that py-lmdb (and so the TextZoom / BasicSR loaders) read:
/// records get consecutive 1-based indices (<c>label-%09d</c>, <c>image_hr-%09d</c>, <c>image_lr-%09d</c>) and
/// <c>num-samples</c> holds the count. <see cref="LmdbWriter"/> needs keys in increasing byte order
/// (<c>image_hr-*</c> &lt; <c>image_lr-*</c> &lt; <c>label-*</c> &lt; <c>num-samples</c>), so the images are spooled
/// to two temporary files in the target folder while samples arrive and the database is written on
/// <see cref="Complete"/> (memory stays flat; the spool files are deleted). The target folder must not already contain an LMDB.
/// </summary>
public sealed class TextZoomLmdbWriter : IDisposable
{
    /// <summary>Largest index the 9-digit keys can hold.</summary>
    public const int MaxSamples = 999_999_999;

    readonly FileStream _highRes, _lowRes;
    readonly List<int> _highResLengths = [], _lowResLengths = [];
    readonly List<byte[]> _labels = [];
    bool _done;

    /// <summary>The LMDB folder.</summary>
    public string Path { get; }

    /// <summary>Samples added so far.</summary>
    public int Count => _labels.Count;

    /// <summary>Prepares a new LMDB at <paramref name="path"/> (the folder is created if needed).</summary>
    public TextZoomLmdbWriter(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        if (File.Exists(System.IO.Path.Combine(Path, "data.mdb")))
            throw new IOException($"{Path}: an LMDB already exists here; choose an empty folder");
        Directory.CreateDirectory(Path);
        _highRes = Spool("image_hr");
        try { _lowRes = Spool("image_lr"); }
        catch { _highRes.Dispose(); throw; }
    }

    FileStream Spool(string what) => new(System.IO.Path.Combine(Path, $".{what}.spool"), FileMode.Create, FileAccess.ReadWrite,
        FileShare.None, 1 << 16, FileOptions.DeleteOnClose);

    /// <summary>Appends one sample; returns its 1-based index.</summary>
    public int Add(string label, byte[] highResEncoded, byte[] lowResEncoded)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (Count == MaxSamples) throw new InvalidOperationException($"{Path}: a TextZoom LMDB holds at most {MaxSamples} samples");
        _highRes.Write(highResEncoded); _highResLengths.Add(highResEncoded.Length);
        _lowRes.Write(lowResEncoded); _lowResLengths.Add(lowResEncoded.Length);
        _labels.Add(Encoding.UTF8.GetBytes(label));
        return Count;
    }

    /// <summary>Writes <c>data.mdb</c> (all keys in LMDB order, then <c>num-samples</c>) and removes the spool files.</summary>
    public void Complete()
    {
        if (_done) return;
        _done = true;
        try
        {
            using var db = new LmdbWriter(Path);
            CopySpool(db, _highRes, _highResLengths, TextZoomKeys.HighRes);
            CopySpool(db, _lowRes, _lowResLengths, TextZoomKeys.LowRes);
            for (int i = 0; i < _labels.Count; i++) db.Add(TextZoomKeys.Label(i + 1), _labels[i]);
            db.Add(TextZoomKeys.NumSamples, Encoding.ASCII.GetBytes(Count.ToString(CultureInfo.InvariantCulture)));
            db.Complete();
        }
        finally { _highRes.Dispose(); _lowRes.Dispose(); }
    }

    static void CopySpool(LmdbWriter db, FileStream spool, List<int> lengths, Func<int, string> key)
    {
        spool.Flush();
        spool.Position = 0;
        var buffer = new byte[lengths.Count == 0 ? 0 : lengths.Max()];
        for (int i = 0; i < lengths.Count; i++)
        {
            var value = buffer.AsSpan(0, lengths[i]);
            spool.ReadExactly(value);
            db.Add(key(i + 1), value);
        }
    }

    /// <summary>Completes the LMDB (see <see cref="Complete"/>) if that was not done yet.</summary>
    public void Dispose() => Complete();
}
