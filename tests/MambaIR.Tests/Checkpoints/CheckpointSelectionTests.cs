using MambaIR.Checkpoints;
using static TorchSharp.torch;

namespace MambaIR.Tests.Checkpoints;

[Collection("torch")]
public class CheckpointSelectionTests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("ckpt-select");
    public void Dispose() => Directory.Delete(_dir, recursive: true);
    string Temp(string name) => Path.Combine(_dir, name);

    static List<KeyValuePair<string, Tensor>> Weights(float value, string prefix = "") => new()
    {
        new(prefix + "conv.weight", full(new long[] { 2, 1, 3, 3 }, value)),
        new(prefix + "conv.bias", full(new long[] { 2 }, value + 1)),
    };

    /// <summary>{key1: OrderedDict, key2: OrderedDict, ...}</summary>
    string Wrapped(string name, params (string Key, float Value)[] groups)
    {
        var c = new CraftedCheckpoint();
        c.P.EmptyDict();
        c.P.Mark();
        foreach (var (key, value) in groups)
        {
            c.P.String(key);
            c.StateDict(Weights(value));
        }
        c.P.SetItems();
        string path = Temp(name);
        c.Save(path);
        return path;
    }

    [Fact]
    public void AutoPrefersParamsEmaOverParams()
    {
        string path = Wrapped("both.pth", ("params", 1f), ("params_ema", 5f));
        using (var auto = Checkpoint.Load(path))
        {
            Assert.Equal("params_ema", auto.ParamKey);
            Assert.Equal(5f, auto["conv.weight"][0, 0, 0, 0].item<float>());
        }
        using var explicitParams = Checkpoint.Load(path, "params");
        Assert.Equal("params", explicitParams.ParamKey);
        Assert.Equal(1f, explicitParams["conv.weight"][0, 0, 0, 0].item<float>());
        Assert.Equal(new[] { "conv.weight", "conv.bias" }, explicitParams.Keys);
    }

    [Theory]
    [InlineData("params")]
    [InlineData("state_dict")]
    [InlineData("model")]
    [InlineData("net_g")]
    public void AutoUnwrapsCommonWrappers(string key)
    {
        string path = Wrapped(key + ".pth", (key, 3f));
        using var sd = Checkpoint.Load(path);
        Assert.Equal(key, sd.ParamKey);
        Assert.Equal(2, sd.Count);
        Assert.Equal(4f, sd["conv.bias"][1].item<float>());
    }

    [Fact]
    public void AutoTakesTheOnlyDictOfTensorsAndRefusesToGuessBetweenSeveral()
    {
        using (var sd = Checkpoint.Load(Wrapped("gen.pth", ("generator", 2f))))
            Assert.Equal("generator", sd.ParamKey);
        string two = Wrapped("gan.pth", ("generator", 2f), ("discriminator", 3f));
        var e = Assert.ThrowsAny<CheckpointException>(() => Checkpoint.Load(two));
        Assert.Contains("'generator', 'discriminator'", e.Message);
        using var d = Checkpoint.Load(two, "discriminator");
        Assert.Equal(4f, d["conv.bias"][0].item<float>());
    }

    [Fact]
    public void MissingExplicitKeyListsTheAvailableKeys()
    {
        string path = Wrapped("p.pth", ("params", 1f));
        var e = Assert.Throws<CheckpointKeyNotFoundException>(() => Checkpoint.Load(path, "params_ema"));
        Assert.Contains(path, e.Message);
        Assert.Contains("'params_ema'", e.Message);
        Assert.Contains("'params'", e.Message);
        Assert.Equal(new[] { "params" }, e.AvailableKeys);
    }

    [Fact]
    public void ExplicitKeyOnAFlatStateDictSaysSo()
    {
        using var sd = new StateDict();
        foreach (var (k, t) in Weights(1f)) sd.Add(k, t);
        string path = Temp("flat.pth");
        Checkpoint.SavePth(sd, path, wrapKey: null);
        var e = Assert.Throws<CheckpointKeyNotFoundException>(() => Checkpoint.Load(path, "params"));
        Assert.Contains("flat state dict", e.Message);
        using var auto = Checkpoint.Load(path);
        Assert.Null(auto.ParamKey);
        Assert.Equal(2, auto.Count);
    }

    [Fact]
    public void ModulePrefixIsStrippedByDefault()
    {
        using var sd = new StateDict();
        foreach (var (k, t) in Weights(1f, "module.")) sd.Add(k, t);
        string path = Temp("dp.pth");
        Checkpoint.SavePth(sd, path);
        using (var stripped = Checkpoint.Load(path))
            Assert.Equal(new[] { "conv.weight", "conv.bias" }, stripped.Keys);
        using var kept = Checkpoint.Load(path, stripModulePrefix: false);
        Assert.Equal(new[] { "module.conv.weight", "module.conv.bias" }, kept.Keys);
    }

    [Fact]
    public void TrainingCheckpointWithOptimizerAndOpaqueObjectsLoadsOnlyTheWeights()
    {
        // {'net_g': OrderedDict(...), 'optimizer': {'state': {0: {'exp_avg': tensor}}, 'param_groups': [{'lr': 2e-4}]},
        //  'epoch': 7, 'args': argparse.Namespace(lr=...), 'step': numpy.int64 scalar}
        // The optimizer's storage record is left out of the archive: it must never be read.
        var c = new CraftedCheckpoint();
        var p = c.P;
        p.EmptyDict();
        p.Mark();
        p.String("net_g");
        c.StateDict(Weights(2f));
        p.String("optimizer");
        p.EmptyDict();
        p.Mark();
        p.String("state");
        p.EmptyDict();
        p.Int(0);
        p.EmptyDict();
        p.String("exp_avg");
        int optKey = c.Storage(zeros(18));
        c.Tensor("FloatStorage", optKey, 18, 0, new long[] { 2, 1, 3, 3 }, new long[] { 9, 9, 3, 1 });
        p.SetItem();
        p.SetItem();
        p.String("param_groups");
        p.Opcode((byte)']');
        p.EmptyDict();
        p.String("lr");
        p.Opcode((byte)'G'); p.Opcode(0x3F); p.Opcode(0x2A); p.Opcode(0x36); p.Opcode(0xE2); p.Opcode(0xEB); p.Opcode(0x1C); p.Opcode(0x43); p.Opcode(0x2D); // BINFLOAT 2e-4
        p.SetItem();
        p.Opcode((byte)'a'); // APPEND
        p.SetItems();
        p.String("epoch");
        p.Int(7);
        p.String("args");
        p.Global("argparse", "Namespace");
        p.EmptyTuple();
        p.Opcode(0x81); // NEWOBJ
        p.EmptyDict();
        p.String("lr");
        p.Int(1);
        p.SetItem();
        p.Opcode((byte)'b'); // BUILD
        p.String("step");
        p.Global("numpy.core.multiarray", "scalar");
        p.Global("numpy", "dtype");
        p.String("i8");
        p.Bool(false);
        p.Bool(true);
        p.Tuple(3);
        p.Reduce();
        p.Opcode((byte)'C'); p.Opcode(8); foreach (var b in BitConverter.GetBytes(12345L)) p.Opcode(b); // SHORT_BINBYTES
        p.Tuple(2);
        p.Reduce();
        p.Int(-5_000_000_000L); // LONG1 value, then key order check below
        p.Opcode((byte)'0');    // POP it again: exercises POP
        p.SetItems();
        string path = Temp("train.pth");
        c.Save(path, omitStorages: optKey);

        using var sd = Checkpoint.Load(path);
        Assert.Equal("net_g", sd.ParamKey);
        Assert.Equal(new[] { "conv.weight", "conv.bias" }, sd.Keys);
        Assert.Equal(3f, sd["conv.bias"][0].item<float>());
        var e = Assert.Throws<CheckpointKeyNotFoundException>(() => Checkpoint.Load(path, "params"));
        Assert.Equal(new[] { "net_g", "optimizer", "epoch", "args", "step" }, e.AvailableKeys);
    }

    [Fact]
    public void SharedStoragesAndOffsetsGiveIndependentTensors()
    {
        // One storage of 0..23 viewed three ways: a slice with an offset, a transposed view, and the whole storage.
        var c = new CraftedCheckpoint();
        int key = c.Storage(arange(24, ScalarType.Float32));
        c.P.Global("collections", "OrderedDict"); c.P.EmptyTuple(); c.P.Reduce();
        c.P.Mark();
        c.P.String("slice"); c.Tensor("FloatStorage", key, 24, 5, new long[] { 2, 3 }, new long[] { 4, 1 });
        c.P.String("transposed"); c.Tensor("FloatStorage", key, 24, 0, new long[] { 4, 6 }, new long[] { 1, 4 });
        c.P.String("whole"); c.Tensor("FloatStorage", key, 24, 0, new long[] { 24 }, new long[] { 1 });
        c.P.String("expanded"); c.Tensor("FloatStorage", key, 24, 2, new long[] { 3, 2 }, new long[] { 0, 1 });
        c.P.SetItems();
        string path = Temp("shared.pth");
        c.Save(path);
        using var sd = Checkpoint.Load(path);
        Assert.Equal(new float[] { 5, 6, 7, 9, 10, 11 }, sd["slice"].data<float>().ToArray());
        Assert.Equal(new float[] { 0, 4, 8, 12, 16, 20, 1, 5 }, sd["transposed"].flatten()[..8].data<float>().ToArray());
        Assert.Equal(new float[] { 2, 3, 2, 3, 2, 3 }, sd["expanded"].data<float>().ToArray());
        Assert.All(sd.Values, t => Assert.True(t.is_contiguous()));
        sd["whole"].fill_(-1);
        Assert.Equal(5f, sd["slice"][0, 0].item<float>()); // no aliasing
    }
}
