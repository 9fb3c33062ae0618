using MambaIR.Training.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Optimization;

/// <summary>
/// BasicSR's pixel losses (<c>basicsr/losses/basic_loss.py</c>), weighted and reduced:
/// <c>L1Loss</c> = w · reduce(|x − y|), <c>MSELoss</c> = w · reduce((x − y)²), and the official <c>CharbonnierLoss</c>
/// = w · reduce(√((x − y)² + ε)) with ε added unsquared (MambaIR's configs: ε = 1e-3; BasicSR's default 1e-12).
/// Reduction is <c>mean</c> or <c>sum</c> over all elements.
/// </summary>
public sealed class PixelLoss
{
    public PixelLoss(LossOptions options) => Options = options;

    public LossOptions Options { get; }

    /// <summary>The loss name as BasicSR logs it.</summary>
    public string LogName => "l_pix";

    /// <summary>The scalar loss of <paramref name="prediction"/> against <paramref name="target"/>.</summary>
    public Tensor Compute(Tensor prediction, Tensor target)
    {
        using var scope = NewDisposeScope();
        var diff = prediction - target;
        Tensor elementwise = Options.Kind switch
        {
            LossKind.L1 => diff.abs(),
            LossKind.Mse => diff.square(),
            LossKind.Charbonnier => (diff * diff + Options.Eps).sqrt(),
            _ => throw new InvalidOperationException($"unknown loss {Options.Kind}"),
        };
        var reduced = Options.Reduction == LossReduction.Sum ? elementwise.sum() : elementwise.mean();
        var loss = Options.Weight == 1.0 ? reduced : reduced * Options.Weight;
        return loss.MoveToOuterDisposeScope();
    }
}
