using MambaIR.Checkpoints;
using static TorchSharp.torch;

namespace MambaIR.Tests.Checkpoints;

[Collection("torch")]
public class StateDictTests
{
    [Fact]
    public void ToConvertsFloatingTensorsOnly()
    {
        using var sd = CheckpointAssert.AllDTypes();
        var before = sd.ToDictionary(kv => kv.Key, kv => kv.Value.dtype);
        var old = sd["f16"];
        Assert.Same(sd, sd.To(ScalarType.Float32, CPU));
        foreach (var (k, t) in sd)
        {
            bool floating = before[k] is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;
            Assert.Equal(floating ? ScalarType.Float32 : before[k], t.dtype);
        }
        Assert.True(old.IsInvalid); // the replaced tensor was disposed
        Assert.Equal(123456789012345L, sd["i64.num_batches_tracked"].item<long>());
        Assert.Throws<ArgumentException>(() => sd.To(ScalarType.Int32));
    }

    [Fact]
    public void KeysKeepInsertionOrderAndDuplicatesAreRejected()
    {
        using var sd = new StateDict("x.pth");
        sd.Add("z", ones(1));
        sd.Add("a", ones(2));
        sd.Add("m", ones(3));
        Assert.Equal(new[] { "z", "a", "m" }, sd.Keys);
        Assert.Equal(6, sd.NumElements);
        Assert.Throws<ArgumentException>(() => sd.Add("a", ones(1)));
        var e = Assert.Throws<KeyNotFoundException>(() => sd["nope"]);
        Assert.Contains("'nope'", e.Message);
        Assert.Contains("x.pth", e.Message);
        using var taken = sd.Take("a");
        Assert.NotNull(taken);
        Assert.Equal(new[] { "z", "m" }, sd.Keys);
        Assert.Null(sd.Take("a"));
    }

    [Fact]
    public void StripPrefixRefusesToMergeKeys()
    {
        using var sd = new StateDict();
        sd.Add("module.w", ones(1));
        sd.Add("w", ones(1));
        var e = Assert.Throws<InvalidOperationException>(() => sd.StripPrefix("module."));
        Assert.Contains("'w' twice", e.Message);
        Assert.Equal(new[] { "module.w", "w" }, sd.Keys); // unchanged
    }

    [Fact]
    public void DisposeScopesDoNotFreeOwnedTensors()
    {
        using var sd = new StateDict();
        using (NewDisposeScope()) sd.Add("w", ones(4) * 2);
        Assert.Equal(8f, sd["w"].sum().item<float>());
        sd.Dispose();
        Assert.Empty(sd);
    }
}
