using System.Buffers.Binary;
using System.Text;
using MambaIR.Checkpoints;
using static TorchSharp.torch;

namespace MambaIR.Tests.Checkpoints;

/// <summary>Every bad input a user can hit gives a <see cref="CheckpointException"/> that names the file and the problem.</summary>
[Collection("torch")]
public class CheckpointErrorTests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("ckpt-errors");
    public void Dispose() => Directory.Delete(_dir, recursive: true);
    string Temp(string name) => Path.Combine(_dir, name);

    CheckpointException LoadFails(string path, params string[] fragments)
    {
        var e = Assert.ThrowsAny<CheckpointException>(() => Checkpoint.Load(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Equal(path, e.FilePath);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
        return e;
    }

    string SmallPth(string name)
    {
        using var sd = new StateDict();
        sd.Add("a.weight", randn(8, 8));
        sd.Add("a.bias", randn(8));
        string path = Temp(name);
        Checkpoint.SavePth(sd, path);
        return path;
    }

    [Fact]
    public void PngRenamedToPth()
    {
        string path = Temp("image.pth");
        File.WriteAllBytes(path, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R']);
        LoadFails(path, "not a PyTorch", "PNG image");
    }

    [Fact]
    public void GitLfsPointerAndEmptyFileAndMissingFile()
    {
        string lfs = Temp("lfs.pth");
        File.WriteAllText(lfs, "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n");
        LoadFails(lfs, "Git LFS pointer");
        string empty = Temp("empty.pth");
        File.WriteAllBytes(empty, []);
        LoadFails(empty, "empty");
        var e = Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(Temp("nope.pth")));
        Assert.Contains("nope.pth", e.Message);
    }

    [Fact]
    public void TruncatedZip()
    {
        string path = SmallPth("trunc.pth");
        byte[] all = File.ReadAllBytes(path);
        File.WriteAllBytes(path, all[..(all.Length / 2)]);
        LoadFails(path, "corrupt or truncated zip");
    }

    [Fact]
    public void CorruptStorageBytesFailTheCrcCheck()
    {
        string path = SmallPth("crc.pth");
        byte[] all = File.ReadAllBytes(path);
        int data = all.AsSpan().IndexOf("/data/0"u8);
        Assert.True(data > 0);
        int payload = (data + "/data/0".Length + 4 + 63) / 64 * 64; // records' data start at the next 64-byte boundary
        all[payload + 3] ^= 0xFF;
        File.WriteAllBytes(path, all);
        LoadFails(path, "data/0", "corrupt");
    }

    [Fact]
    public void MissingStorageRecord()
    {
        var c = new CraftedCheckpoint();
        c.StateDict(new List<KeyValuePair<string, Tensor>> { new("w", ones(3)), new("b", ones(2)) });
        string path = Temp("missing.pth");
        c.Save(path, omitStorages: 1);
        LoadFails(path, "storage record", "data/1", "'b'", "missing");
    }

    [Fact]
    public void StorageRecordShorterThanItsTensor()
    {
        var c = new CraftedCheckpoint();
        int key = c.Storage(ones(4));
        c.P.Global("collections", "OrderedDict"); c.P.EmptyTuple(); c.P.Reduce();
        c.P.String("w"); c.Tensor("FloatStorage", key, 10, 0, [10], [1]); c.P.SetItem();
        string path = Temp("short.pth");
        c.Save(path);
        LoadFails(path, "'w'", "16 bytes", "needs 40");
    }

    [Fact]
    public void ViewBeyondItsStorage()
    {
        var c = new CraftedCheckpoint();
        int key = c.Storage(ones(6));
        c.P.Global("collections", "OrderedDict"); c.P.EmptyTuple(); c.P.Reduce();
        c.P.String("w"); c.Tensor("FloatStorage", key, 6, 2, [2, 3], [3, 1]); c.P.SetItem();
        string path = Temp("oob.pth");
        c.Save(path);
        LoadFails(path, "'w'", "offset 2", "reads element 7", "holds 6");
    }

    [Fact]
    public void UnsupportedStorageType()
    {
        var c = new CraftedCheckpoint();
        int key = c.Storage(ones(new long[] { 4 }, ScalarType.Int8));
        c.P.Global("collections", "OrderedDict"); c.P.EmptyTuple(); c.P.Reduce();
        c.P.String("q"); c.Tensor("QInt8Storage", key, 4, 0, [4], [1]); c.P.SetItem();
        string path = Temp("qint.pth");
        c.Save(path);
        LoadFails(path, "'q'", "torch.QInt8Storage", "not supported");
    }

    [Fact]
    public void NoTensors()
    {
        var c = new CraftedCheckpoint();
        c.P.EmptyDict(); c.P.String("epoch"); c.P.Int(3); c.P.SetItem();
        string path = Temp("notensors.pth");
        c.Save(path);
        LoadFails(path, "no tensors found", "'epoch'");
    }

    [Fact]
    public void WholePickledModel()
    {
        var c = new CraftedCheckpoint();
        c.P.Global("basicsr.archs.mambair_arch", "MambaIR"); c.P.EmptyTuple(); c.P.Opcode(0x81);
        c.P.EmptyDict(); c.P.String("_parameters"); c.P.Global("collections", "OrderedDict"); c.P.EmptyTuple(); c.P.Reduce(); c.P.SetItem();
        c.P.Opcode((byte)'b');
        string path = Temp("model.pth");
        c.Save(path);
        LoadFails(path, "whole pickled model", "MambaIR", "state_dict()");
    }

    [Fact]
    public void TorchScriptArchive()
    {
        string path = Temp("scripted.pt");
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
            foreach (var name in new[] { "scripted/data.pkl", "scripted/constants.pkl", "scripted/code/__torch__.py", "scripted/version" })
                using (var w = new StreamWriter(zip.CreateEntry(name).Open())) w.Write("x");
        LoadFails(path, "TorchScript", "state_dict()");
    }

    [Fact]
    public void ZipWithoutDataPkl()
    {
        string path = Temp("other.zip.pth");
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
            using (var w = new StreamWriter(zip.CreateEntry("readme.txt").Open())) w.Write("x");
        LoadFails(path, "no data.pkl", "readme.txt");
    }

    [Fact]
    public void CorruptPickle()
    {
        var c = new CraftedCheckpoint();
        c.P.EmptyDict(); c.P.Opcode(0xFF);
        string path = Temp("badpickle.pth");
        c.Save(path);
        LoadFails(path, "data.pkl", "unknown pickle opcode 0xFF");
    }

    [Fact]
    public void PlainPickleIsNotATorchCheckpoint()
    {
        string path = Temp("plain.pkl");
        File.WriteAllBytes(path, [0x80, 2, (byte)'}', (byte)'q', 0, (byte)'.']);
        LoadFails(path, "magic number");
    }

    // ---- safetensors ----

    string SafeFile(string name, string header, int dataBytes, ulong? declaredLength = null)
    {
        byte[] h = Encoding.UTF8.GetBytes(header);
        var f = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(f, declaredLength ?? (ulong)h.Length);
        h.CopyTo(f, 8);
        string path = Temp(name);
        File.WriteAllBytes(path, f);
        return path;
    }

    [Theory]
    [InlineData("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2, "unsupported dtype 'F8_E4M3'")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 8, "needs 8 bytes")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "run past the end")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "overlap")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "invalid shape")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "no data_offsets")]
    [InlineData("{\"w\": not json", 4, "not valid JSON")]
    public void InvalidSafetensors(string header, int dataBytes, string fragment)
    {
        string path = SafeFile("bad.safetensors", header, dataBytes);
        var e = Assert.ThrowsAny<CheckpointException>(() => SafeTensors.Read(path));
        Assert.StartsWith(path + ": invalid safetensors file", e.Message);
        Assert.Contains(fragment, e.Message);
        var viaLoad = Assert.ThrowsAny<CheckpointException>(() => Checkpoint.Load(path));
        Assert.Equal(e.Message, viaLoad.Message);
    }

    [Fact]
    public void TruncatedSafetensorsHeader()
    {
        string path = SafeFile("trunc.safetensors", "{\"w\":{}}", 0, declaredLength: 1000);
        var e = Assert.ThrowsAny<CheckpointException>(() => Checkpoint.Load(path));
        Assert.Contains("exceeds the file size", e.Message);
    }

    [Fact]
    public void SafetensorsDetectedByContentNotExtension()
    {
        using var sd = new StateDict();
        sd.Add("w", arange(5, ScalarType.Float32));
        string path = Temp("weights.bin");
        Checkpoint.SaveSafetensors(sd, path);
        using var back = Checkpoint.Load(path);
        Assert.Equal(new float[] { 0, 1, 2, 3, 4 }, back["w"].data<float>().ToArray());
        string pthNamed = Temp("really-a-pth.safetensors");
        Checkpoint.SavePth(sd, pthNamed);
        using var back2 = Checkpoint.Load(pthNamed);
        Assert.Equal(5, back2["w"].numel());
    }
}
