using MambaIR.Data;
using MambaIR.Data.Lmdb;
using MambaIR.Imaging;
using MambaIR.Tests.Imaging;

namespace MambaIR.Tests.Data;

public class LmdbTests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("lmdb");
    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Made by py-lmdb 0.9.24 with Fixtures/make_lmdb_fixtures.py.</summary>
    static string Fixture(string name) => Path.Combine(TestPaths.RepoRoot, "tests", "MambaIR.Tests", "Data", "Fixtures", name);

    static byte[] RawValue(int i)
    {
        int n = i % 100 != 50 ? (i * 7) % 120 : 3000 + 1000 * (i / 100);
        return Enumerable.Range(0, n).Select(j => (byte)(((i + j) * 7) & 255)).ToArray();
    }

    [Fact]
    public void ReadsPyLmdbDatabaseWithBranchAndOverflowPages()
    {
        using var db = new LmdbReader(Fixture("raw.lmdb"));
        Assert.Equal(400, db.Count);
        Assert.Equal(2, db.Depth);
        for (int i = 0; i < 400; i++) Assert.Equal(RawValue(i), db.TryGet($"k{i:00000}"));
        Assert.Null(db.TryGet("k00400"));
        Assert.Null(db.TryGet("a"));
        Assert.Null(db.TryGet("k0005"));
        Assert.Contains("nope", Assert.Throws<KeyNotFoundException>(() => db.Get("nope")).Message);
        var all = db.Enumerate().ToList();
        Assert.Equal(Enumerable.Range(0, 400).Select(i => $"k{i:00000}"), all.Select(p => System.Text.Encoding.ASCII.GetString(p.Key)));
    }

    [Fact]
    public void ReadsBasicSrStyleImageLmdb()
    {
        using var r = new ImageLmdbReader(Fixture("basicsr.lmdb"));
        Assert.Equal(new[] { "img_s001", "img_s002", "img_s003" }, r.Keys);
        foreach (var e in r.Entries)
        {
            var img = r.Read(e.Key);
            Assert.Equal((e.Height, e.Width, e.Channels), (img.Height, img.Width, img.Channels));
        }
        Assert.Equal("img_s002.png (30,40,3) 1", r.Entries[1].ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(400)]
    [InlineData(30000)] // three levels
    public void WriterRoundTrip(int n)
    {
        string path = Path.Combine(_dir, $"t{n}.lmdb");
        using (var w = new LmdbWriter(path))
        {
            for (int i = 0; i < n; i++) w.Add($"key{i:000000}", RawValue(i % 400 == 50 ? 50 : i % 97));
            w.Complete();
        }
        using var r = new LmdbReader(path);
        Assert.Equal(n, r.Count);
        if (n == 30000) Assert.Equal(3, r.Depth);
        for (int i = 0; i < n; i += n > 1000 ? 7 : 1)
        {
            Assert.Equal(RawValue(i % 400 == 50 ? 50 : i % 97), r.TryGet($"key{i:000000}"));
            Assert.Null(r.TryGet($"key{i:000000}x"));
        }
        Assert.Equal(n, r.Enumerate().Count());
        Assert.Null(r.TryGet("zzz"));
    }

    [Fact]
    public void WriterRejectsUnorderedKeysAndExistingDatabase()
    {
        string path = Path.Combine(_dir, "bad.lmdb");
        using (var w = new LmdbWriter(path))
        {
            w.Add("b", [1]);
            Assert.Contains("'a' after 'b'", Assert.Throws<ArgumentException>(() => w.Add("a", [1])).Message);
            Assert.Throws<ArgumentException>(() => w.Add("b", [1]));
            Assert.Throws<ArgumentException>(() => w.Add(new string('x', 512), [1]));
            w.Complete();
        }
        Assert.Throws<IOException>(() => new LmdbWriter(path));
    }

    [Fact]
    public void ImageLmdbRoundTripKeepsPixelsShapesAndMetaInfo()
    {
        var imgs = new Dictionary<string, RasterImage>
        {
            ["0002_s001"] = ImageFileTests.Synthetic(30, 20, 3, 8, false, 1),
            ["0001_s002"] = ImageFileTests.Synthetic(64, 48, 1, 8, false, 2), // > node limit → overflow page
            ["0001_s001"] = ImageFileTests.Synthetic(12, 10, 3, 16, true, 3),
        };
        string path = Path.Combine(_dir, "img.lmdb");
        int calls = 0;
        var entries = ImageLmdb.Write(path, imgs.Select(kv => (kv.Key, (Func<RasterImage>)(() => kv.Value))).ToList(), compressLevel: 1,
            progress: (done, total, key) => { calls++; Assert.Equal(3, total); });
        Assert.Equal(3, calls);
        Assert.Equal(new[] { "0001_s001.png (10,12,4) 1", "0001_s002.png (48,64,1) 1", "0002_s001.png (20,30,3) 1" },
                     File.ReadAllLines(Path.Combine(path, "meta_info.txt")));
        Assert.Equal(3, entries.Count);
        using var r = new ImageLmdbReader(path);
        foreach (var (key, img) in imgs)
        {
            var back = r.Read(key);
            Assert.Equal(img.Pixels, back.Pixels);
            Assert.Equal(img.Alpha, back.Alpha);
            Assert.Equal(img.BitDepth, back.BitDepth);
        }
        Assert.Throws<KeyNotFoundException>(() => r.Read("0003_s001"));
        Assert.Throws<ArgumentException>(() => ImageLmdb.Write(Path.Combine(_dir, "noext"), []));
    }

    [Fact]
    public void CorruptOrMissingFilesGiveClearErrors()
    {
        Assert.Throws<FileNotFoundException>(() => new LmdbReader(Path.Combine(_dir, "none.lmdb")));
        string junk = Path.Combine(_dir, "junk.lmdb");
        Directory.CreateDirectory(junk);
        File.WriteAllBytes(Path.Combine(junk, "data.mdb"), new byte[8192]);
        Assert.Contains("junk.lmdb", Assert.Throws<InvalidDataException>(() => new LmdbReader(junk)).Message);
        File.WriteAllText(Path.Combine(junk, "meta_info.txt"), "0001.png (1,2) 1\n");
        Assert.Contains("meta_info.txt:1", Assert.Throws<InvalidDataException>(() => ImageLmdb.ReadMetaInfo(junk)).Message);
    }
}
