using static TorchSharp.torch;

namespace MambaIR.Inference;

/// <summary>
/// The ×8 geometric self-ensemble ("+" results, BasicSR's <c>test_selfensemble</c>): the network runs on the input under
/// every combination of a width flip, a height flip and a transpose; each output is mapped back and the eight are averaged.
/// Order follows BasicSR: transform k applies the width flip if bit 0 is set, then the height flip (bit 1), then the transpose (bit 2);
/// outputs are summed in k order and divided by 8. Eight times slower than a plain run.
/// </summary>
public static class SelfEnsemble
{
    public const int Count = 8;

    /// <summary>The network wrapped so that each call runs the ×8 ensemble (compose with any <see cref="ITileStrategy"/>).</summary>
    public static Func<Tensor, Tensor> Wrap(Func<Tensor, Tensor> network) => x => Run(x, network);

    /// <summary>Averages the network's outputs over the 8 flips/transposes of <paramref name="input"/> (N, C, H, W).</summary>
    public static Tensor Run(Tensor input, Func<Tensor, Tensor> network)
    {
        using var scope = NewDisposeScope();
        Tensor? sum = null;
        for (int k = 0; k < Count; k++)
        {
            using var step = NewDisposeScope();
            var output = Inverse(network(Forward(input, k).contiguous()), k);
            if (sum is null) sum = output.clone().MoveToOuterDisposeScope();
            else sum.add_(output);
        }
        return sum!.div_(Count).MoveToOuterDisposeScope();
    }

    /// <summary>Transform <paramref name="k"/> (0–7) applied to an (N, C, H, W) tensor.</summary>
    public static Tensor Forward(Tensor x, int k)
    {
        if ((k & 1) != 0) x = x.flip(3);
        if ((k & 2) != 0) x = x.flip(2);
        if ((k & 4) != 0) x = x.transpose(2, 3);
        return x;
    }

    /// <summary>The inverse of <see cref="Forward"/>: undo the transpose, then the height flip, then the width flip.</summary>
    public static Tensor Inverse(Tensor y, int k)
    {
        if ((k & 4) != 0) y = y.transpose(2, 3);
        if ((k & 2) != 0) y = y.flip(2);
        if ((k & 1) != 0) y = y.flip(3);
        return y;
    }
}
