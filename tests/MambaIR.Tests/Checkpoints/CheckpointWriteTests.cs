using System.IO.Compression;
using System.Text;
using MambaIR.Checkpoints;
using MambaIR.Checkpoints.Pickle;
using static TorchSharp.torch;

namespace MambaIR.Tests.Checkpoints;

[Collection("torch")]
public class CheckpointWriteTests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("ckpt-write");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Temp(string name) => Path.Combine(_dir, name);

    [Theory]
    [MemberData(nameof(CheckpointTestFiles.TorchCheckpoints), MemberType = typeof(CheckpointTestFiles))]
    public void PthAndSafetensorsRoundTripsAreBitIdentical(string file)
    {
        using var original = Checkpoint.Load(CheckpointTestFiles.Full(file), stripModulePrefix: false);
        string pth = Temp("a.pth"), st = Temp("a.safetensors"), pth2 = Temp("b.pth");
        Checkpoint.SavePth(original, pth);
        using (var back = Checkpoint.Load(pth, "params", stripModulePrefix: false))
            CheckpointAssert.BitIdentical(original, back);
        Checkpoint.SaveSafetensors(original, st);
        using var fromSt = SafeTensors.Read(st);
        CheckpointAssert.BitIdentical(original, fromSt);
        Checkpoint.SavePth(fromSt, pth2, wrapKey: null);
        using var back2 = Checkpoint.Load(pth2, stripModulePrefix: false);
        Assert.Null(back2.ParamKey);
        CheckpointAssert.BitIdentical(original, back2);
    }

    [Fact]
    public void EveryDTypeRoundTrips()
    {
        using var sd = CheckpointAssert.AllDTypes();
        string pth = Temp("all.pth"), st = Temp("all.safetensors");
        Checkpoint.SavePth(sd, pth);
        using var back = Checkpoint.Load(pth);
        CheckpointAssert.BitIdentical(sd, back);
        Assert.True(back["transposed"].is_contiguous());
        Assert.Equal(new float[] { 0, 4, 8, 1 }, back["transposed"].flatten()[..4].data<float>().ToArray());
        Checkpoint.SaveSafetensors(sd, st, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"" });
        using var backSt = Checkpoint.Load(st);
        CheckpointAssert.BitIdentical(sd, backSt);
        Assert.Equal("ünïcode \"quoted\"", SafeTensors.ReadMetadata(st)["note"]);
    }

    [Fact]
    public void PthFileHasTorchLayout()
    {
        using var sd = CheckpointAssert.AllDTypes();
        string pth = Temp("layout.pth");
        Checkpoint.SavePth(sd, pth);
        using var zip = ZipFile.OpenRead(pth);
        var names = zip.Entries.Select(e => e.FullName).ToList();
        var expected = new List<string> { "layout/data.pkl", "layout/.format_version", "layout/.storage_alignment", "layout/byteorder" };
        expected.AddRange(Enumerable.Range(0, sd.Count).Select(i => $"layout/data/{i}"));
        expected.AddRange(new[] { "layout/version", "layout/.data/serialization_id" });
        Assert.Equal(expected, names);
        string Text(string n) { using var r = new StreamReader(zip.GetEntry(n)!.Open()); return r.ReadToEnd(); }
        Assert.Equal("3\n", Text("layout/version"));
        Assert.Equal("little", Text("layout/byteorder"));
        Assert.Equal("64", Text("layout/.storage_alignment"));
        Assert.All(zip.Entries, e => Assert.Equal(e.Length, e.CompressedLength)); // stored, not deflated
        // Every record's data starts on a 64-byte boundary, as torch's writer (and mmap loading) expects.
        byte[] file = File.ReadAllBytes(pth);
        foreach (var start in LocalDataOffsets(file)) Assert.Equal(0, start % 64);
        Assert.Equal(names.Count, LocalDataOffsets(file).Count);
    }

    static List<long> LocalDataOffsets(byte[] f)
    {
        var result = new List<long>();
        long pos = 0;
        while (pos + 30 <= f.Length && BitConverter.ToUInt32(f, (int)pos) == 0x04034b50)
        {
            int nameLen = BitConverter.ToUInt16(f, (int)pos + 26), extraLen = BitConverter.ToUInt16(f, (int)pos + 28);
            long size = BitConverter.ToUInt32(f, (int)pos + 18);
            long data = pos + 30 + nameLen + extraLen;
            result.Add(data);
            pos = data + size;
        }
        return result;
    }

    [Fact]
    public void PickleMatchesTorchSaveOpcodeForOpcode()
    {
        // Our data.pkl for the tensors of a real torch.save file must be the same opcode stream as torch's own:
        // compare from the first key to the end of the items (memo PUTs dropped, GETs resolved to their value).
        string refPath = Directory.EnumerateFiles(TestPaths.RefVec, "*.pth").Order(StringComparer.Ordinal).First();
        using var sd = Checkpoint.Load(refPath);
        string mine = Temp(Path.GetFileName(refPath));
        Checkpoint.SavePth(sd, mine);
        var refOps = PickleTokens.Items(ReadPickle(refPath));
        var myOps = PickleTokens.Items(ReadPickle(mine));
        Assert.True(refOps.Count > 100);
        Assert.Equal(refOps, myOps);
    }

    static byte[] ReadPickle(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        using var s = zip.Entries.Single(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)).Open();
        var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    [Fact]
    public void Zip64RecordsAreReadable()
    {
        using var sd = CheckpointAssert.AllDTypes();
        string pth = Temp("z64.pth");
        var p = new PickleWriter();
        var storages = new List<Tensor>();
        TorchZipWriter.WriteOrderedDict(p, sd.ToList(), storages, pth);
        TorchZipWriter.WriteArchive(pth, p.Finish(), storages, zip64Threshold: 0);
        byte[] f = File.ReadAllBytes(pth);
        Assert.True(f.AsSpan().IndexOf("PK\x06\x06"u8) > 0, "zip64 end record expected");
        using var back = Checkpoint.Load(pth);
        CheckpointAssert.BitIdentical(sd, back);
    }

    [Fact]
    public void SafetensorsLayoutFollowsTheReference()
    {
        using var sd = CheckpointAssert.AllDTypes();
        string st = Temp("x.safetensors");
        Checkpoint.SaveSafetensors(sd, st);
        byte[] f = File.ReadAllBytes(st);
        long n = BitConverter.ToInt64(f, 0);
        Assert.Equal(0, n % 8);
        string header = Encoding.UTF8.GetString(f, 8, (int)n);
        Assert.StartsWith("{\"f32.weight\":{\"dtype\":\"F32\",\"shape\":[5,3,2],\"data_offsets\":[", header);
        Assert.Equal(header.TrimEnd(' ').Length, header.TrimEnd(' ').LastIndexOf('}') + 1);
        Assert.Equal(f.Length - 8 - n, sd.Values.Sum(t => t.numel() * t.ElementSize));
        using var doc = System.Text.Json.JsonDocument.Parse(header);
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            long begin = p.Value.GetProperty("data_offsets")[0].GetInt64();
            Assert.Equal(0, begin % sd[p.Name].ElementSize); // aligned to the element size
        }
    }
}
