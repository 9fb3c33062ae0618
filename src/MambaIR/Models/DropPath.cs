using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// Stochastic depth (timm <c>drop_path</c>, used by every official VSSBlock on its SS2D branch): in training mode each
/// sample's branch output is zeroed with probability p and the kept ones are divided by 1 − p; the identity in eval
/// mode or when p = 0 (then nothing is drawn). No parameters, no state-dict keys.
/// <para>The (B, 1, …, 1) keep mask is drawn with <c>bernoulli_</c> from torch's default CPU generator, whatever the
/// input's device, and then moved to it: the official code draws on the input's device, but drawing on the CPU makes
/// the random stream the same on every device and part of the CPU generator state that training saves for resume.</para>
/// </summary>
public static class DropPath
{
    /// <summary>Applies stochastic depth with probability <paramref name="probability"/> to the branch output
    /// <paramref name="x"/> (batch first). Returns <paramref name="x"/> itself when nothing is dropped (p = 0 or not training).</summary>
    public static Tensor Apply(Tensor x, double probability, bool training)
    {
        if (probability == 0 || !training) return x;
        double keep = 1 - probability;
        var shape = new long[x.dim()];
        shape[0] = x.shape[0];
        for (int i = 1; i < shape.Length; i++) shape[i] = 1;
        using var scope = NewDisposeScope();
        var mask = empty(shape, dtype: x.dtype).bernoulli_(keep);
        mask.div_(keep);
        return (x * mask.to(x.device)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The official per-block rates: <c>torch.linspace(0, drop_path_rate, sum(depths))</c> in float32, each read back as
    /// a Python float; block j of group i takes entry <c>sum(depths[:i]) + j</c>.
    /// </summary>
    public static double[] Rates(double dropPathRate, IReadOnlyList<int> depths)
    {
        int n = depths.Sum();
        if (n == 0) return [];
        using var t = linspace(0, dropPathRate, n, dtype: ScalarType.Float32);
        return t.data<float>().ToArray().Select(v => (double)v).ToArray();
    }
}
