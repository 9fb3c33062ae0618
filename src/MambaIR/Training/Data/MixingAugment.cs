using MambaIR.Training.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Data;

/// <summary>
/// Restormer's <c>Mixing_Augment</c> (<c>train:mixing_augs</c> of <c>ImageCleanModel</c>), applied to one GPU's batch:
/// with <c>use_identity</c>, <c>random.randint(0, 1)</c> picks mixup (0) or nothing (1); without it, mixup always. Mixup
/// draws λ ~ Beta(β, β) (<c>rsample</c>) and a permutation <c>torch.randperm(b)</c> from torch's generator and returns
/// <c>gt ← λ·gt + (1 − λ)·gt[perm]</c>, <c>lq ← λ·lq + (1 − λ)·lq[perm]</c>. The torch draws use the global generator,
/// whose state the training state saves, so resumed runs mix as the uninterrupted run did.
/// </summary>
public static class MixingAugment
{
    /// <summary>Mixes (or not) the pair, drawing the choice from <paramref name="rng"/>.</summary>
    public static (Tensor Lq, Tensor Gt) Apply(Tensor lq, Tensor gt, MixupOptions options, PythonRandom rng)
    {
        if (options.UseIdentity && rng.RandInt(0, 1) == 1) return (lq, gt);
        double lam = DrawLambda(options.Beta);
        using var perm = randperm(gt.shape[0], ScalarType.Int64).to(gt.device);
        // Explicit, disposed scalars (TorchSharp's implicit double→Scalar temporaries can be finalised mid-call).
        using var a = lam.ToScalar();
        using var b = (1 - lam).ToScalar();
        var g = gt.mul(a).add_(gt.index_select(0, perm).mul_(b));
        var l = lq.mul(a).add_(lq.index_select(0, perm).mul_(b));
        return (l, g);
    }

    /// <summary>λ ~ Beta(β, β) from torch's global generator, in float32 as the official tensors are.</summary>
    public static double DrawLambda(double beta)
    {
        using var scope = NewDisposeScope();
        var a = tensor(new[] { (float)beta });
        var dist = distributions.Beta(a, a.clone());
        return dist.rsample(1, 1).to(ScalarType.Float64).item<double>();
    }
}
