using MambaIR.Training.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Optimization;

/// <summary>
/// A text-aware edge term (<c>train:gradient_opt: {type: GradientProfileLoss, loss_weight: w}</c>): the L1 distance
/// between the gradient-magnitude maps of the output and the target, as in the gradient prior loss of scene-text SR
/// (TSRN). Per channel, with zero outside the image,
/// <c>G(x)[i, j] = √(((x[i, j+1] − x[i, j−1]) / 2)² + ((x[i−1, j] − x[i+1, j]) / 2)² + 10⁻⁶)</c>, and the term is
/// <c>w · reduce(|G(prediction) − G(target)|)</c> (mean or sum over all elements). Strokes of characters are edges:
/// the term rewards sharp, correctly placed strokes, which a pixel loss averages away in ambiguous regions.
/// </summary>
public sealed class GradientProfileLoss(GradientLossOptions options)
{
    public GradientLossOptions Options { get; } = options;

    /// <summary>The loss name in logs (BasicSR style).</summary>
    public string LogName => "l_grad";

    /// <summary>The gradient-magnitude map of a (B, C, H, W) batch (see the class remarks).</summary>
    public static Tensor Map(Tensor x)
    {
        using var scope = NewDisposeScope();
        long h = x.shape[2], w = x.shape[3];
        var right = nn.functional.pad(x, [0, 1, 0, 0]).narrow(3, 1, w);  // x[i, j+1]
        var left = nn.functional.pad(x, [1, 0, 0, 0]).narrow(3, 0, w);   // x[i, j−1]
        var top = nn.functional.pad(x, [0, 0, 1, 0]).narrow(2, 0, h);    // x[i−1, j]
        var bottom = nn.functional.pad(x, [0, 0, 0, 1]).narrow(2, 1, h); // x[i+1, j]
        var gx = (right - left) * 0.5;
        var gy = (top - bottom) * 0.5;
        return (gx.square() + gy.square() + 1e-6).sqrt().MoveToOuterDisposeScope();
    }

    /// <summary>The weighted scalar term of <paramref name="prediction"/> against <paramref name="target"/>.</summary>
    public Tensor Compute(Tensor prediction, Tensor target)
    {
        using var scope = NewDisposeScope();
        var diff = (Map(prediction) - Map(target)).abs();
        var reduced = Options.Reduction == LossReduction.Sum ? diff.sum() : diff.mean();
        return (Options.Weight == 1.0 ? reduced : reduced * Options.Weight).MoveToOuterDisposeScope();
    }
}
