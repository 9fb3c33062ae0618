using MambaIR.Models;
using MambaIR.Native;
using MambaIR.Ops;
using MambaIR.Ops.Cpu;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Tests.Ops;

/// <summary>
/// The fused SS2D block against SS2D's own path (the four direction copies, libtorch ops, the reference scan forced), and its
/// inference kernels (depthwise conv + SiLU, out_norm ⊙ SiLU(z)) against the libtorch ops they replace.
/// </summary>
public class FusedSs2dBlockTests
{
    public FusedSs2dBlockTests() => TorchRuntime.EnsureInitialized();

    public static IEnumerable<object[]> Shapes() => new[]
    {
        //             b  h  w   d
        new object[] { 1, 5, 7, 12 },
        new object[] { 2, 3, 4, 5 },
        new object[] { 1, 1, 1, 8 },
        new object[] { 1, 9, 6, 72 },
    };

    public static IEnumerable<object[]> ShapesAndWidths() =>
        from s in Shapes() from bits in new[] { 512, 256, 128 } select s.Append(bits).ToArray();

    [Theory]
    [MemberData(nameof(ShapesAndWidths))]
    public void DepthwiseConvSiluMatchesLibtorch(int b, int h, int w, int d, int bits)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(3);
        var x = randn(new long[] { b, h, w, d }, dtype: ScalarType.Float64, generator: gen);
        var weight = randn(new long[] { d, 1, 3, 3 }, dtype: ScalarType.Float64, generator: gen);
        var bias = randn(new long[] { d }, dtype: ScalarType.Float64, generator: gen);
        var want = nn.functional.silu(nn.functional.conv2d(x.permute(0, 3, 1, 2), weight, bias, padding: new long[] { 1, 1 }, groups: d)).permute(0, 2, 3, 1);
        CpuScanTests.AssertClose(want, DepthwiseConvSilu.Apply(x, weight, bias, bits, 2), 1e-12, "float64");
        var got32 = DepthwiseConvSilu.Apply(x.to_type(ScalarType.Float32), weight.to_type(ScalarType.Float32), bias.to_type(ScalarType.Float32), bits, 2);
        CpuScanTests.AssertClose(want, got32, 1e-5, "float32");
    }

    [Theory]
    [MemberData(nameof(ShapesAndWidths))]
    public void LayerNormGateMatchesLibtorch(int b, int h, int w, int d, int bits)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(4);
        var y = randn(new long[] { b, h, w, d }, dtype: ScalarType.Float64, generator: gen) * 3 + 1;
        var z = randn(new long[] { b, h, w, d }, dtype: ScalarType.Float64, generator: gen);
        var gamma = randn(new long[] { d }, dtype: ScalarType.Float64, generator: gen);
        var beta = randn(new long[] { d }, dtype: ScalarType.Float64, generator: gen);
        var want = nn.functional.layer_norm(y, new long[] { d }, gamma, beta, 1e-5) * nn.functional.silu(z);
        var got = y.clone();
        LayerNormGate.Apply(got, z, gamma, beta, 1e-5, bits, 2);
        CpuScanTests.AssertClose(want, got, 1e-12, "float64");
        var got32 = y.to_type(ScalarType.Float32);
        LayerNormGate.Apply(got32, z.to_type(ScalarType.Float32), gamma.to_type(ScalarType.Float32), beta.to_type(ScalarType.Float32), 1e-5, bits, 2);
        CpuScanTests.AssertClose(want, got32, 1e-5, "float32");
    }

    [Theory]
    [InlineData(1, 5, 7)]
    [InlineData(2, 9, 4)]
    public void InferenceMatchesSs2dsOwnPath(int b, int h, int w)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var block = new SS2D(12, 5, 24, 1);
        block.to(ScalarType.Float64);
        var x = randn(b, h, w, 12, dtype: ScalarType.Float64);
        using var _ = no_grad();
        var fused = block.forward(x);
        var previous = SelectiveScan.Forced;
        try
        {
            SelectiveScan.Forced = SelectiveScan.Reference;
            CpuScanTests.AssertClose(block.forward(x), fused, 1e-12, "output");
        }
        finally { SelectiveScan.Forced = previous; }
    }

    /// <summary>The inference form that normalises its input itself and computes z band by band (an image of more than one
    /// band of <see cref="FusedSs2d.GateBandPixels"/> pixels) against forward(norm(x)) on SS2D's own path.</summary>
    [Theory]
    [InlineData(1, 129, 129)]
    [InlineData(2, 5, 7)]
    public void NormalisingInferenceMatchesSs2dsOwnPath(int b, int h, int w)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var block = new SS2D(6, 2, 8, 1);
        using var norm = nn.LayerNorm(6);
        block.to(ScalarType.Float64);
        norm.to(ScalarType.Float64);
        using (no_grad()) { norm.weight!.normal_(1, 0.2); norm.bias!.normal_(0, 0.2); }
        var x = randn(b, h, w, 6, dtype: ScalarType.Float64);
        using var _ = no_grad();
        var fused = block.ForwardNormalising(x, norm);
        var previous = SelectiveScan.Forced;
        try
        {
            SelectiveScan.Forced = SelectiveScan.Reference;
            CpuScanTests.AssertClose(block.forward(norm.forward(x)), fused, 1e-12, "output");
            // With the reference forced, the normalising form is forward(norm(x)) itself.
            CpuScanTests.AssertClose(block.forward(norm.forward(x)), block.ForwardNormalising(x, norm), 0, "reference path");
        }
        finally { SelectiveScan.Forced = previous; }
    }

    [Fact]
    public void GradientsMatchSs2dsOwnPath()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        using var block = new SS2D(12, 5, 24, 1);
        block.to(ScalarType.Float64);
        var x = randn(2, 6, 5, 12, dtype: ScalarType.Float64);
        var weights = randn(2, 6, 5, 12, dtype: ScalarType.Float64);
        Dictionary<string, Tensor> Grads(ISelectiveScan? forced, out Tensor dx)
        {
            var previous = SelectiveScan.Forced;
            try
            {
                SelectiveScan.Forced = forced;
                block.zero_grad();
                var input = x.detach().clone().requires_grad_(true);
                (block.forward(input) * weights).sum().backward();
                dx = input.grad!.detach().clone();
                return block.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone());
            }
            finally { SelectiveScan.Forced = previous; }
        }
        var fused = Grads(null, out var dxFused);
        var reference = Grads(SelectiveScan.Reference, out var dxReference);
        CpuScanTests.AssertClose(dxReference, dxFused, 1e-10, "dx");
        foreach (var (name, g) in reference) CpuScanTests.AssertClose(g, fused[name], 1e-10, "d" + name);
    }

    [Fact]
    public void ForcedReferenceTakesSs2dsOwnPath()
    {
        using var scope = NewDisposeScope();
        var x = zeros(1, 2, 2, 4);
        var w = new Ss2dWeights(zeros(8, 4), zeros(4, 1, 3, 3), zeros(4), zeros(4, 3, 4), zeros(4, 4, 1), zeros(4, 4), zeros(16, 1), zeros(16), ones(4), zeros(4), 1e-5, zeros(4, 4));
        Assert.IsType<CpuSelectiveScan>(FusedSs2d.ChooseScan(x, w));
        Assert.Null(FusedSs2d.ChooseScan(x.to_type(ScalarType.Float16), w));
        var previous = SelectiveScan.Forced;
        try
        {
            SelectiveScan.Forced = SelectiveScan.Reference;
            Assert.Null(FusedSs2d.ChooseScan(x, w));
        }
        finally { SelectiveScan.Forced = previous; }
    }
}
