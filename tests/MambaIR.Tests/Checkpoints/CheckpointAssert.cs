using MambaIR.Checkpoints;
using static TorchSharp.torch;

namespace MambaIR.Tests.Checkpoints;

static class CheckpointAssert
{
    /// <summary>Same keys in the same order, same dtypes, shapes and bytes.</summary>
    public static void BitIdentical(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (k, e) in expected)
        {
            var a = actual[k];
            Assert.True(e.dtype == a.dtype, $"{k}: dtype {e.dtype} vs {a.dtype}");
            Assert.Equal(e.shape, a.shape);
            using var ec = e.contiguous();
            using var ac = a.contiguous();
            Assert.True(ec.bytes.SequenceEqual(ac.bytes), $"{k}: bytes differ");
        }
    }

    /// <summary>A state dict with every dtype the writers support, odd shapes, a 0-d and an empty tensor and a
    /// non-contiguous (transposed) tensor.</summary>
    public static StateDict AllDTypes()
    {
        var g = new TorchSharp.torch.Generator(7);
        var sd = new StateDict();
        sd.Add("f32.weight", randn(new long[] { 5, 3, 2 }, generator: g));
        sd.Add("f16", randn(new long[] { 7 }, generator: g).to_type(ScalarType.Float16));
        sd.Add("f64", randn(new long[] { 3, 3 }, ScalarType.Float64, generator: g));
        sd.Add("bf16", randn(new long[] { 4 }, generator: g).to_type(ScalarType.BFloat16));
        sd.Add("i64.num_batches_tracked", tensor(123456789012345L));
        sd.Add("i32", tensor(new[] { -1, 2, int.MaxValue }));
        sd.Add("i16", tensor(new short[] { -3, 300 }));
        sd.Add("i8", tensor(new sbyte[] { -128, 127, 0 }));
        sd.Add("u8", tensor(new byte[] { 0, 255, 7 }));
        sd.Add("bool", tensor(new[] { true, false, true }));
        sd.Add("empty", zeros(new long[] { 0, 4 }));
        sd.Add("transposed", arange(12, ScalarType.Float32).reshape(3, 4).t());
        sd.Add("nan_inf", tensor(new[] { float.NaN, float.PositiveInfinity, -0.0f, float.Epsilon }));
        return sd;
    }
}
