using System.Text;
using MambaIR.Data.Lmdb;
using MambaIR.Imaging;
using MambaIR.Text;
using TorchSharp;

namespace MambaIR.Tests.Text;

[Collection("torch")]
public class TextZoomDataTests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("textzoom-data");

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    static Rgb8Image Pattern(int w, int h, int seed)
    {
        var px = new byte[w * h * 3];
        new Random(seed).NextBytes(px);
        return new Rgb8Image(w, h, px);
    }

    string WriteLmdb(string name, params (string Label, Rgb8Image Hr, Rgb8Image Lr)[] samples)
    {
        string path = Path.Combine(_dir, name);
        using var w = new TextZoomLmdbWriter(path);
        foreach (var s in samples) w.Add(s.Label, s.Hr.EncodePng(), s.Lr.EncodePng());
        return path;
    }

    static SortedDictionary<string, byte[]> ReadAll(string path)
    {
        using var r = new LmdbReader(path);
        var all = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (k, v) in r.Enumerate()) all.Add(Encoding.ASCII.GetString(k), v);
        return all;
    }

    static void WriteRaw(string path, SortedDictionary<string, byte[]> pairs)
    {
        using var w = new LmdbWriter(path);
        foreach (var (k, v) in pairs) w.Add(k, v);
        w.Complete();
    }

    [Fact]
    public void WriterUsesTextZoomKeysOneBased()
    {
        var hr = Pattern(150, 40, 1); var lr = Pattern(70, 20, 2);
        string path = WriteLmdb("easy", ("Hello", hr, lr), ("World!", lr, hr));
        using var db = new TextZoomLmdb(path);
        Assert.Equal(2, db.Count);
        Assert.Equal("2", Encoding.ASCII.GetString(db.Get("num-samples")!));
        Assert.Equal("Hello", Encoding.UTF8.GetString(db.Get("label-000000001")!));
        Assert.Null(db.Get("label-000000000"));
        Assert.Equal(hr.EncodePng(), db.Get("image_hr-000000001"));
        Assert.Equal(hr.EncodePng(), db.Get("image_lr-000000002"));
        var r = db.Read(2);
        Assert.Equal(("World!", 2), (r.Label, r.Index));
    }

    [Fact]
    public void DatasetResizesWithPillowBicubicToTextZoomSizes()
    {
        var hr = Pattern(150, 40, 3); var lr = Pattern(70, 20, 4);
        using var ds = TextZoomDataset.Open(WriteLmdb("medium", ("Abc-1", hr, lr)));
        using var item = ds.Get(0);
        Assert.Equal(new long[] { 3, 32, 128 }, item.Gt.shape);
        Assert.Equal(new long[] { 3, 16, 64 }, item.Lq.shape);
        Assert.Equal(("Abc-1", "medium/000000001"), (item.Label, item.LqPath));
        using var expectedGt = hr.ResizePillowBicubic(128, 32).ToTensor();
        using var expectedLq = lr.ResizePillowBicubic(64, 16).ToTensor();
        Assert.True(item.Gt.eq(expectedGt).all().item<bool>());
        Assert.True(item.Lq.eq(expectedLq).all().item<bool>());
        // ToTensor layout: channel-first RGB /255.
        Assert.Equal(expectedGt[1, 5, 7].item<float>(), hr.ResizePillowBicubic(128, 32).Pixels[(5 * 128 + 7) * 3 + 1] / 255f);
    }

    /// <summary>Made by py-lmdb 1.4.0 (LMDB 0.9.24) with Fixtures/make_textzoom_fixture.py, the format of the real TextZoom LMDBs.</summary>
    static string PyLmdbFixture => Path.Combine(TestPaths.RepoRoot, "tests", "MambaIR.Tests", "Text", "Fixtures", "textzoom.lmdb");

    /// <summary>The fixture script's pixels: RGB bytes of an LCG seeded with <paramref name="seed"/>.</summary>
    static Rgb8Image LcgImage(int w, int h, int seed)
    {
        var px = new byte[w * h * 3];
        long v = seed;
        for (int i = 0; i < px.Length; i++) { v = (v * 1103515245 + 12345) & 0x7fffffff; px[i] = (byte)((v >> 16) & 255); }
        return new Rgb8Image(w, h, px);
    }

    [Fact]
    public void ReadsTextZoomLmdbWrittenByPyLmdb()
    {
        using var ds = TextZoomDataset.Open(PyLmdbFixture);
        Assert.Equal(3, ds.Count);
        var sizes = new[] { (24, 8, 12, 4), (30, 10, 15, 5), (20, 6, 10, 3) };
        var labels = new[] { "Hello", "42nd", "ok!" };
        for (int i = 0; i < 3; i++)
        {
            using var item = ds.Get(i);
            Assert.Equal((labels[i], $"textzoom/{i + 1:D9}"), (item.Label, item.LqPath));
            var (hw, hh, lw, lh) = sizes[i];
            using var gt = LcgImage(hw, hh, 10 * (i + 1)).ResizePillowBicubic(128, 32).ToTensor();
            using var lq = LcgImage(lw, lh, 10 * (i + 1) + 1).ResizePillowBicubic(64, 16).ToTensor();
            Assert.True(item.Gt.eq(gt).all().item<bool>(), $"HR of sample {i + 1}");
            Assert.True(item.Lq.eq(lq).all().item<bool>(), $"LR of sample {i + 1}");
        }
        var batch = Assert.Single(ds.Batches(4));
        Assert.Equal(labels, batch.Labels);
        batch.Dispose();
    }

    [Fact]
    public void WriterWritesEveryKeyInLmdbOrderAndRemovesItsSpool()
    {
        string path = Path.Combine(_dir, "many");
        const int n = 300; // enough keys for branch pages
        using (var w = new TextZoomLmdbWriter(path))
            for (int i = 1; i <= n; i++) Assert.Equal(i, w.Add($"w{i}", [(byte)i, 1], new byte[i % 7 == 0 ? 5000 : i % 50]));
        Assert.Equal(["data.mdb"], Directory.GetFiles(path).Select(Path.GetFileName));
        using var r = new LmdbReader(path);
        Assert.True(r.Depth > 1);
        var keys = r.Enumerate().Select(p => Encoding.ASCII.GetString(p.Key)).ToList();
        var expected = Enumerable.Range(1, n).Select(TextZoomKeys.HighRes).Concat(Enumerable.Range(1, n).Select(TextZoomKeys.LowRes))
            .Concat(Enumerable.Range(1, n).Select(TextZoomKeys.Label)).Append(TextZoomKeys.NumSamples);
        Assert.Equal(expected, keys);
        using var db = new TextZoomLmdb(path);
        Assert.Equal(n, db.Count);
        for (int i = 1; i <= n; i++)
        {
            var rec = db.Read(i);
            Assert.Equal(($"w{i}", i % 7 == 0 ? 5000 : i % 50), (rec.Label, rec.LowRes.Length));
            Assert.Equal([(byte)i, 1], rec.HighRes);
        }
    }

    [Fact]
    public void WriterRefusesAnExistingLmdb()
    {
        string path = WriteLmdb("done", ("a", Pattern(4, 2, 1), Pattern(2, 1, 2)));
        Assert.Contains(path, Assert.Throws<IOException>(() => new TextZoomLmdbWriter(path)).Message);
    }

    [Fact]
    public void MaskChannelIsDarkerThanMeanGrey()
    {
        // Left half black text-like strokes, right half light background: L ≤ mean → 1.
        var px = new byte[128 * 32 * 3];
        for (int y = 0; y < 32; y++) for (int x = 0; x < 128; x++) for (int c = 0; c < 3; c++)
                    px[(y * 128 + x) * 3 + c] = (byte)(x < 32 ? 20 : 230);
        var img = new Rgb8Image(128, 32, px);
        using var ds = new TextZoomDataset(new TextZoomDatasetOptions { Roots = [WriteLmdb("hard", ("ab", img, img))], Mask = true });
        Assert.Equal(4, ds.Channels);
        using var item = ds.Get(0);
        Assert.Equal(new long[] { 4, 32, 128 }, item.Gt.shape);
        Assert.Equal(1f, item.Gt[3, 10, 5].item<float>());
        Assert.Equal(0f, item.Gt[3, 10, 100].item<float>());
        Assert.Equal(32 * 32, (int)item.Gt[3].sum().item<float>());
        Assert.Equal(4, item.Lq.shape[0]);
    }

    [Fact]
    public void PilGreyUsesItuR601FixedPoint()
    {
        var img = new Rgb8Image(3, 1, [255, 0, 0, 0, 255, 0, 10, 200, 30]);
        // (19595·255 + 32768) >> 16 = 76; (38470·255 + 32768) >> 16 = 150; (19595·10 + 38470·200 + 7471·30 + 32768) >> 16 = 124.
        Assert.Equal(new byte[] { 76, 150, 124 }, img.ToGreyPil());
    }

    [Fact]
    public void BadSamplesAreNamedSkippedAndCounted()
    {
        string path = WriteLmdb("test", ("good", Pattern(20, 8, 5), Pattern(10, 4, 6)), ("café", Pattern(20, 8, 7), Pattern(10, 4, 8)),
            ("x", Pattern(20, 8, 9), Pattern(10, 4, 10)), ("y", Pattern(20, 8, 9), Pattern(10, 4, 10)));
        // Rewrite it with sample 3's LR replaced by junk and sample 4's HR removed (keys stay in LMDB order).
        var pairs = ReadAll(path);
        pairs["image_lr-000000003"] = Encoding.ASCII.GetBytes("not an image");
        pairs.Remove("image_hr-000000004");
        Directory.Delete(path, true);
        WriteRaw(path, pairs);
        using var ds = TextZoomDataset.Open(path);
        var e = Assert.Throws<TextZoomSampleException>(() => ds.Get(3));
        Assert.Contains("image_hr-000000004", e.Message);
        Assert.Equal("test/000000004", e.SampleId);
        Assert.Contains("test/000000002", Assert.Throws<TextZoomSampleException>(() => ds.Get(1)).Message);
        Assert.Contains("LR image", Assert.Throws<TextZoomSampleException>(() => ds.Get(2)).Message);

        var batches = ds.Batches(8).ToList();
        Assert.Single(batches);
        Assert.Equal(["good"], batches[0].Labels);
        Assert.Equal(["test/000000002", "test/000000003", "test/000000004"], ds.Skipped.Select(s => s.SampleId));
        Assert.Contains("é", ds.Skipped[0].Reason);
        foreach (var b in batches) b.Dispose();

        using var filtered = TextZoomDataset.Open(path, labels: TextZoomLabelPolicy.Filter);
        using var item = filtered.Get(1);
        Assert.Equal("caf", item.Label);
    }

    [Fact]
    public void MissingOrInvalidLmdbIsNamed()
    {
        var e = Assert.Throws<FileNotFoundException>(() => new TextZoomLmdb(Path.Combine(_dir, "nope")));
        Assert.Contains("nope", e.Message);
        string empty = Path.Combine(_dir, "other");
        WriteRaw(empty, new SortedDictionary<string, byte[]>(StringComparer.Ordinal) { ["k"] = "v"u8.ToArray() });
        Assert.Contains("num-samples", Assert.Throws<InvalidDataException>(() => new TextZoomLmdb(empty)).Message);
    }

    [Fact]
    public void ShuffleIsSeededPerEpochAndBatchesCoverEverySample()
    {
        var samples = Enumerable.Range(0, 10).Select(i => ($"w{i}", Pattern(20, 8, i), Pattern(10, 4, i))).ToArray();
        string a = WriteLmdb("train1", samples[..6]), b = WriteLmdb("train2", samples[6..]);
        using var ds = new TextZoomDataset(new TextZoomDatasetOptions { Roots = [a, b] });
        Assert.Equal(10, ds.Count);
        Assert.Equal("train1+train2", ds.Name);
        Assert.Equal("train2/000000002", ds.SampleId(7));
        Assert.Equal(ds.Order(true, 10, 0), ds.Order(true, 10, 0));
        Assert.NotEqual(ds.Order(true, 10, 0), ds.Order(true, 10, 1));
        Assert.NotEqual(Enumerable.Range(0, 10), ds.Order(true, 10, 0));
        Assert.Equal(Enumerable.Range(0, 10), ds.Order(true, 10, 0).Order());

        var batches = ds.Batches(4, shuffle: true, seed: 10, epoch: 0, dropLast: true).ToList();
        Assert.Equal(2, batches.Count);
        Assert.Equal(new long[] { 4, 3, 16, 64 }, batches[0].Lq.shape);
        Assert.Equal(new long[] { 4, 3, 32, 128 }, batches[0].Gt.shape);
        var expected = ds.Order(true, 10, 0).Take(8).Select(i => $"w{i}");
        Assert.Equal(expected, batches.SelectMany(x => x.Labels));
        foreach (var x in batches) x.Dispose();
        Assert.Equal(3, ds.Batches(4).Count());
    }

    [Fact]
    public void OptionsFromBasicSrEntry()
    {
        var o = TextZoomDatasetOptions.FromOptions(new Dictionary<string, object?>
        {
            ["type"] = "TextZoomDataset", ["name"] = "TextZoom", ["dataroot"] = new List<object> { "a/train1", "a/train2" },
            ["mask"] = true, ["label_policy"] = "filter", ["hr_size"] = new List<object> { 128, 32 },
        });
        Assert.Equal(["a/train1", "a/train2"], o.Roots);
        Assert.True(o.Mask);
        Assert.Equal(TextZoomLabelPolicy.Filter, o.LabelPolicy);
        Assert.Equal("TextZoom", o.Name);
        Assert.Contains("dataroot", Assert.Throws<ArgumentException>(() => TextZoomDatasetOptions.FromOptions(new Dictionary<string, object?> { ["type"] = "TextZoomDataset" })).Message);
        Assert.Contains("PairedImageDataset", Assert.Throws<ArgumentException>(() => TextZoomDatasetOptions.FromOptions(new Dictionary<string, object?> { ["type"] = "PairedImageDataset" })).Message);
    }
}
