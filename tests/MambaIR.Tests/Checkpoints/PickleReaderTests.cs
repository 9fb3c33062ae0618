using System.Numerics;
using MambaIR.Checkpoints;
using MambaIR.Checkpoints.Pickle;
using static TorchSharp.torch;

namespace MambaIR.Tests.Checkpoints;

[Collection("torch")]
public class PickleReaderTests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("ckpt-pickle");
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static IEnumerable<object[]> Protocols() => CPythonPickleVectors.Hex.Keys.Select(p => new object[] { p });

    [Theory]
    [MemberData(nameof(Protocols))]
    public void DecodesEveryValueKindCPythonWrites(int protocol)
    {
        var root = (PickleDict)new TorchPickleReader(new MemoryStream(Convert.FromHexString(CPythonPickleVectors.Hex[protocol]))).Load()!;
        Assert.Equal(new[] { "params", "meta" }, root.StringKeys);
        Assert.True(root.TryGet("meta", out var m));
        var meta = (PickleDict)m!;
        object? Get(string k) { Assert.True(meta.TryGet(k, out var v), k); return v; }
        Assert.Equal(3L, Get("epoch"));
        Assert.Equal(1e-4, Get("lr"));
        Assert.Equal("héllo", Get("name"));
        Assert.Equal(BigInteger.Pow(2, 70), Get("big"));
        Assert.Equal(-70000L, Get("neg"));
        Assert.Equal(new object?[] { 1L, 2L }, ((PickleSet)Get("set")!).Items.Order());
        Assert.True(((PickleSet)Get("fz")!).Frozen);
        Assert.Equal("ab"u8.ToArray(), Get("bytes"));
        Assert.Equal("cd"u8.ToArray(), Get("ba"));
        Assert.Equal(new object?[] { 1L }, Get("tuple"));
        Assert.IsType<PickleObject>(Get("ns"));
        Assert.Null(Get("none"));
        Assert.Equal(new List<object?> { true, false }, Get("list"));

        Assert.True(root.TryGet("params", out var p));
        var records = ((PickleDict)p!).Items.ToDictionary(kv => (string)kv.Key!, kv => (TensorRecord)kv.Value!);
        Assert.Equal(new long[] { 1, 3 }, records["wt"].Stride);
        Assert.Equal(1, records["wt"].StorageOffset);
        Assert.Equal(ScalarType.Float16, records["b"].DType);
        Assert.Empty(records["n"].Size);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void LoadsTensorsFromEveryProtocol(int protocol)
    {
        string path = Path.Combine(_dir, $"p{protocol}.pth");
        var storages = new List<Tensor> { arange(6, ScalarType.Float32), tensor(new[] { 1f, 2f, 3f }).to_type(ScalarType.Float16), tensor(new[] { 7L }) };
        TorchZipWriter.WriteArchive(path, Convert.FromHexString(CPythonPickleVectors.Hex[protocol]), storages);
        using var sd = Checkpoint.Load(path);
        Assert.Equal("params", sd.ParamKey);
        Assert.Equal(new[] { "w", "wt", "b", "n" }, sd.Keys);
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5 }, sd["w"].flatten().data<float>().ToArray());
        Assert.Equal(new float[] { 1, 4, 2, 5 }, sd["wt"].flatten().data<float>().ToArray()); // offset 1, strides (1, 3)
        Assert.Equal(ScalarType.Float16, sd["b"].dtype);
        Assert.False(sd["b"].requires_grad);
        Assert.Equal(7L, sd["n"].item<long>());
        foreach (var s in storages) s.Dispose();
    }

    [Fact]
    public void TruncatedPickleIsReported()
    {
        byte[] full = Convert.FromHexString(CPythonPickleVectors.Hex[2]);
        var e = Assert.Throws<PickleException>(() => new TorchPickleReader(new MemoryStream(full[..(full.Length / 2)])).Load());
        Assert.Contains("truncated", e.Message);
    }
}
