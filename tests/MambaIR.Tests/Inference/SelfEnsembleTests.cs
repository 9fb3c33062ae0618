using MambaIR.Inference;
using static TorchSharp.torch;

namespace MambaIR.Tests.Inference;

[Collection("torch")]
public class SelfEnsembleTests
{
    [Fact]
    public void Inverse_undoes_forward_and_the_eight_transforms_are_distinct()
    {
        using var x = StandInNetworks.RandomImage(1, 2, 5, 7);
        var seen = new List<Tensor>();
        for (int k = 0; k < SelfEnsemble.Count; k++)
        {
            var t = SelfEnsemble.Forward(x, k);
            Assert.True(StandInNetworks.Identical(SelfEnsemble.Inverse(t, k), x), $"transform {k} is not undone");
            foreach (var s in seen) Assert.False(s.shape.SequenceEqual(t.shape) && StandInNetworks.Identical(s, t), $"transform {k} repeats an earlier one");
            seen.Add(t);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Equivariant_pointwise_network_is_unchanged(int scale)
    {
        var net = scale == 1 ? StandInNetworks.Affine : StandInNetworks.NearestUpsampler(scale);
        using var x = StandInNetworks.RandomImage(2, 3, 6, 9);
        using var plain = net(x);
        using var ensembled = SelfEnsemble.Run(x, net);
        Assert.True(plain.allclose(ensembled, rtol: 1e-6, atol: 1e-6));
    }

    /// <summary>
    /// net(x) = x + row index is not flip/transpose-equivariant: averaged over the 8 transforms and mapped back, the row term
    /// becomes (i + (H−1−i))·2 + (j + (W−1−j))·2 over 8 = (H + W − 2)/4 at every pixel, while x itself must come back in place.
    /// </summary>
    [Fact]
    public void Outputs_are_mapped_back_before_averaging()
    {
        const int h = 5, w = 8;
        using var x = StandInNetworks.RandomImage(1, 3, h, w, ScalarType.Float64);
        Tensor RowAware(Tensor t) => t + arange(t.shape[2], ScalarType.Float64).view(1, 1, -1, 1);
        using var result = SelfEnsemble.Run(x, RowAware);
        using var expected = x + (h + w - 2) / 4.0;
        Assert.True(result.allclose(expected, rtol: 0, atol: 1e-12));
    }
}
