using System.IO.Compression;
using MambaIR.Checkpoints;
using MambaIR.Checkpoints.Pickle;
using static TorchSharp.torch;

namespace MambaIR.Tests.Checkpoints;

[Collection("torch")]
public class TorchCheckpointReadTests
{
    [Theory]
    [MemberData(nameof(CheckpointTestFiles.TorchCheckpoints), MemberType = typeof(CheckpointTestFiles))]
    public void EveryReferenceCheckpointLoads(string file)
    {
        string path = CheckpointTestFiles.Full(file);
        using var sd = Checkpoint.Load(path);
        Assert.NotEmpty(sd);
        Assert.Equal(path, sd.Source);
        Assert.All(sd, kv =>
        {
            Assert.False(kv.Key.StartsWith("module.", StringComparison.Ordinal));
            Assert.True(kv.Value.is_contiguous());
        });
        // torch.save keeps the order in which the state dict was built: weights before biases of a layer.
        var keys = sd.Keys.ToList();
        int w = keys.FindIndex(k => k.EndsWith(".weight", StringComparison.Ordinal));
        Assert.True(w >= 0 && w + 1 < keys.Count);
    }

    [Theory]
    [MemberData(nameof(CheckpointTestFiles.ModelCheckpoints), MemberType = typeof(CheckpointTestFiles))]
    public void MambaIRCheckpointsMatchTheirJson(string file)
    {
        string path = CheckpointTestFiles.Full(file);
        var json = CheckpointTestFiles.Json(path)!.Value;
        using var sd = Checkpoint.Load(path);
        Assert.Equal("params", sd.ParamKey);
        if (json.TryGetProperty("state_dict_tensors", out var n)) Assert.Equal(n.GetInt32(), sd.Count);
        if (json.TryGetProperty("params", out var p)) Assert.Equal(p.GetInt64(), sd.NumElements);
        var kw = json.GetProperty("kwargs");
        long embed = kw.GetProperty("embed_dim").GetInt64(), dState = kw.GetProperty("d_state").GetInt64();
        long inChans = kw.GetProperty("in_chans").GetInt64();
        // SS2D's expand is the block's mlp_ratio: d_inner = int(mlp_ratio * embed_dim) (spec §1.8: 180 -> 360).
        long dInner = (long)(kw.GetProperty("mlp_ratio").GetDouble() * embed);
        var aLogs = sd.Where(kv => kv.Key.EndsWith("A_logs", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(aLogs);
        foreach (var (_, a) in aLogs)
        {
            Assert.Equal(new[] { 4 * dInner, dState }, a.shape);
            Assert.Equal(ScalarType.Float32, a.dtype);
            // A_logs is initialised to log(1..N) per row; training moves it only a little and it never gets NaN.
            Assert.False(a.isnan().any().item<bool>());
        }
        foreach (var (_, d) in sd.Where(kv => kv.Key.EndsWith(".Ds", StringComparison.Ordinal)))
            Assert.Equal(new[] { 4 * dInner }, d.shape);
        Assert.Equal(new[] { embed, inChans, 3L, 3L }, sd["conv_first.weight"].shape);
    }

    [Theory]
    [MemberData(nameof(CheckpointTestFiles.TorchCheckpoints), MemberType = typeof(CheckpointTestFiles))]
    public void StridedTensorsEqualAManualGatherOfTheirStorage(string file)
    {
        // Decode data.pkl with the pickle VM alone, then for every tensor whose view is not the plain layout of its
        // storage (offset, transposed strides), gather its elements from the raw record bytes by hand and compare
        // with what Checkpoint.Load returned. aster.pth.tar has such a tensor (tps.inverse_kernel, stride (1, 23)).
        string path = CheckpointTestFiles.Full(file);
        using var zip = ZipFile.OpenRead(path);
        var pkl = zip.Entries.Single(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal));
        string prefix = pkl.FullName[..^"data.pkl".Length];
        object? root;
        using (var ms = new MemoryStream())
        {
            using (var s = pkl.Open()) s.CopyTo(ms);
            ms.Position = 0;
            root = new TorchPickleReader(ms).Load();
        }
        var records = AllRecords(root).ToList();
        Assert.NotEmpty(records);
        using var sd = Checkpoint.Load(path, stripModulePrefix: false);
        int checkedCount = 0;
        foreach (var (name, r) in records)
        {
            if (!sd.TryGetValue(name, out var t)) continue;
            Assert.Equal(r.Size, t.shape);
            bool plain = r.StorageOffset == 0 && r.NumElements == r.Storage.NumElements && IsRowMajor(r.Size, r.Stride);
            if (plain && checkedCount > 0) continue; // check every strided tensor and the first plain one
            byte[] raw;
            using (var s = zip.GetEntry(prefix + "data/" + r.Storage.Key)!.Open()) { var m = new MemoryStream(); s.CopyTo(m); raw = m.ToArray(); }
            double[] expected = Gather(raw, r);
            using var flat = t.to_type(ScalarType.Float64).flatten();
            Assert.Equal(expected, flat.data<double>().ToArray());
            checkedCount++;
        }
        Assert.True(checkedCount > 0);
        if (file.Contains("aster", StringComparison.Ordinal))
            Assert.Contains(records, x => !IsRowMajor(x.Record.Size, x.Record.Stride));
    }

    static IEnumerable<(string, TensorRecord Record)> AllRecords(object? o) => o switch
    {
        PickleDict d => d.Items.SelectMany(kv => kv.Value is TensorRecord r ? new[] { ((string)kv.Key!, r) } : AllRecords(kv.Value)),
        _ => [],
    };

    static bool IsRowMajor(long[] size, long[] stride)
    {
        long e = 1;
        for (int i = size.Length - 1; i >= 0; i--) { if (size[i] != 1 && stride[i] != e) return false; e *= size[i]; }
        return true;
    }

    static double[] Gather(byte[] raw, TensorRecord r)
    {
        var result = new double[r.NumElements];
        var idx = new long[r.Size.Length];
        for (long n = 0; n < r.NumElements; n++)
        {
            long off = r.StorageOffset;
            for (int d = 0; d < idx.Length; d++) off += idx[d] * r.Stride[d];
            result[n] = r.DType switch
            {
                ScalarType.Float32 => BitConverter.ToSingle(raw, (int)off * 4),
                ScalarType.Float16 => (double)BitConverter.ToHalf(raw, (int)off * 2),
                ScalarType.Float64 => BitConverter.ToDouble(raw, (int)off * 8),
                ScalarType.Int64 => BitConverter.ToInt64(raw, (int)off * 8),
                _ => throw new NotSupportedException(r.DType.ToString()),
            };
            for (int d = idx.Length - 1; d >= 0; d--) { if (++idx[d] < r.Size[d]) break; idx[d] = 0; }
        }
        return result;
    }

    [Fact]
    public void RecognizerCheckpointsKeepHalfPrecisionAndUnwrapStateDict()
    {
        string dir = Path.Combine(TestPaths.RefVec, "recognizers");
        var files = Directory.EnumerateFiles(dir).Where(p => p.Contains(".pth", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(files);
        foreach (var f in files)
        {
            using var sd = Checkpoint.Load(f);
            Assert.Contains(sd.Values, t => t.dtype == ScalarType.Float16);
            Assert.All(sd.Where(kv => kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)), kv => Assert.Equal(ScalarType.Int64, kv.Value.dtype));
        }
    }

    [Fact]
    public void SafeTensorsReferenceVectorsRead()
    {
        var files = CheckpointTestFiles.SafeTensorsFiles().Select(o => CheckpointTestFiles.Full((string)o[0])).ToList();
        Assert.NotEmpty(files);
        foreach (var f in files)
        {
            using var sd = SafeTensors.Read(f);
            Assert.NotEmpty(sd);
            using var viaLoad = Checkpoint.Load(f);
            Assert.Equal(sd.Keys, viaLoad.Keys);
        }
    }
}
