using System.Buffers.Binary;
using MambaIR.Checkpoints;
using MambaIR.Checkpoints.Pickle;
using static TorchSharp.torch;

namespace MambaIR.Tests.Checkpoints;

/// <summary>
/// The legacy (torch &lt; 1.6) format, written here byte by byte following torch/serialization.py's _legacy_save:
/// pickle(MAGIC_NUMBER), pickle(1001), pickle(sys_info), pickle(obj) with persistent ids
/// ('storage', type, key, location, numel, view_metadata), pickle(sorted keys), then per key int64 numel + bytes.
/// </summary>
[Collection("torch")]
public class LegacyCheckpointTests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("ckpt-legacy");
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static byte[] Pickle(Action<PickleWriter> body)
    {
        var p = new PickleWriter();
        body(p);
        return p.Finish();
    }

    static void LegacyTensor(PickleWriter p, string type, string key, long numel, long offset, long[] size, long[] stride,
                             (string Key, long Offset, long Size)? view = null)
    {
        p.Global("torch._utils", "_rebuild_tensor_v2");
        p.Mark();
        p.Mark();
        p.String("storage"); p.Global("torch", type); p.String(key); p.String("cpu"); p.Int(numel);
        if (view is { } v) { p.String(v.Key); p.Int(v.Offset); p.Int(v.Size); p.Tuple(3); } else p.None();
        p.Tuple(6);
        p.BinPersId();
        p.Int(offset);
        foreach (var a in new[] { size, stride })
        {
            if (PickleWriter.TupleNeedsMark(a.Length)) p.Mark();
            foreach (var x in a) p.Int(x);
            p.Tuple(a.Length);
        }
        p.Bool(false);
        p.Global("collections", "OrderedDict"); p.EmptyTuple(); p.Reduce();
        p.Tuple(6);
        p.Reduce();
    }

    string Write(string name, bool bigEndian, bool goodMagic = true)
    {
        using var ms = new MemoryStream();
        // MAGIC_NUMBER = 0x1950a86a20f9469cfc6c as LONG1
        ms.Write(Pickle(p => { p.Opcode(0x8a); p.Opcode(10); foreach (var b in Convert.FromHexString(goodMagic ? "6cfc9c46f9206aa85019" : "6cfc9c46f9206aa85018")) p.Opcode(b); }));
        ms.Write(Pickle(p => p.Int(1001)));
        ms.Write(Pickle(p =>
        {
            p.EmptyDict(); p.Mark();
            p.String("protocol_version"); p.Int(1001);
            p.String("little_endian"); p.Bool(!bigEndian);
            p.String("type_sizes"); p.EmptyDict(); p.Mark(); p.String("short"); p.Int(2); p.String("int"); p.Int(4); p.String("long"); p.Int(4); p.Opcode((byte)'u');
            p.Opcode((byte)'u');
        }));
        ms.Write(Pickle(p =>
        {
            p.EmptyDict(); p.String("state_dict");
            p.Global("collections", "OrderedDict"); p.EmptyTuple(); p.Reduce();
            p.Mark();
            p.String("module.conv.weight"); LegacyTensor(p, "FloatStorage", "94", 12, 0, [2, 3, 2], [6, 1, 3]);
            p.String("module.conv.bias"); LegacyTensor(p, "DoubleStorage", "7", 3, 1, [2], [1]);
            p.String("module.bn.num_batches_tracked"); LegacyTensor(p, "LongStorage", "8", 1, 0, [], []);
            p.String("module.half"); LegacyTensor(p, "HalfStorage", "9", 4, 0, [4], [1]);
            p.String("module.view"); LegacyTensor(p, "FloatStorage", "94", 12, 0, [3], [1], ("94v", 8, 4));
            p.SetItems();
            p.SetItem();
        }));
        ms.Write(Pickle(p => { p.Opcode((byte)']'); p.Mark(); p.String("7"); p.String("8"); p.String("9"); p.String("94"); p.Opcode((byte)'e'); }));
        void Storage<T>(T[] values, int size, Action<Span<byte>, T> put)
        {
            Span<byte> n = stackalloc byte[8];
            if (bigEndian) BinaryPrimitives.WriteInt64BigEndian(n, values.Length); else BinaryPrimitives.WriteInt64LittleEndian(n, values.Length);
            ms.Write(n);
            var buf = new byte[size];
            foreach (var v in values) { put(buf, v); if (bigEndian) Array.Reverse(buf); ms.Write(buf); }
        }
        Storage(new[] { 0.5, 1.5, 2.5 }, 8, (b, v) => BinaryPrimitives.WriteDoubleLittleEndian(b, v));
        Storage(new[] { 42L }, 8, (b, v) => BinaryPrimitives.WriteInt64LittleEndian(b, v));
        Storage(new[] { (Half)1, (Half)(-2), (Half)0.5, Half.MaxValue }, 2, (b, v) => BinaryPrimitives.WriteHalfLittleEndian(b, v));
        Storage(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 4, (b, v) => BinaryPrimitives.WriteSingleLittleEndian(b, v));
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, ms.ToArray());
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LegacyFormatLoads(bool bigEndian)
    {
        string path = Write(bigEndian ? "be.pth" : "le.pth", bigEndian);
        using var sd = Checkpoint.Load(path);
        Assert.Equal("state_dict", sd.ParamKey);
        Assert.Equal(new[] { "conv.weight", "conv.bias", "bn.num_batches_tracked", "half", "view" }, sd.Keys);
        // conv.weight: size (2,3,2) stride (6,1,3) over 0..11
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11 }, sd["conv.weight"].flatten().data<float>().ToArray());
        Assert.Equal(new[] { 1.5, 2.5 }, sd["conv.bias"].data<double>().ToArray());
        Assert.Equal(ScalarType.Float64, sd["conv.bias"].dtype);
        Assert.Equal(42L, sd["bn.num_batches_tracked"].item<long>());
        Assert.Empty(sd["bn.num_batches_tracked"].shape);
        Assert.Equal(ScalarType.Float16, sd["half"].dtype);
        Assert.Equal(new[] { 1f, -2f, 0.5f, 65504f }, sd["half"].to_type(ScalarType.Float32).data<float>().ToArray());
        Assert.Equal(new float[] { 8, 9, 10 }, sd["view"].data<float>().ToArray());
    }

    [Fact]
    public void WrongMagicNumberIsReported()
    {
        string path = Write("magic.pth", bigEndian: false, goodMagic: false);
        var e = Assert.ThrowsAny<CheckpointException>(() => Checkpoint.Load(path));
        Assert.Contains("magic number", e.Message);
    }

    [Fact]
    public void TruncatedLegacyFileIsReported()
    {
        string path = Write("t.pth", bigEndian: false);
        byte[] all = File.ReadAllBytes(path);
        File.WriteAllBytes(path, all[..^20]);
        var e = Assert.ThrowsAny<CheckpointException>(() => Checkpoint.Load(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }
}
