using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Optimization;

/// <summary>
/// <c>torch.nn.utils.clip_grad_norm_(parameters, max_norm)</c> with the 2-norm, as PyTorch 2 computes it:
/// total = ‖(‖g₁‖, ‖g₂‖, …)‖, coefficient = max_norm / (total + 1e-6) clamped to at most 1, every gradient multiplied by
/// it (also when it is 1). <c>use_grad_clip: true</c> clips with max_norm 0.01, as the real-denoising training
/// (Restormer's <c>ImageCleanModel</c>) does; BasicSR's <c>SRModel</c> never clips.
/// </summary>
public static class GradientClipping
{
    /// <summary>The max norm <c>use_grad_clip</c> applies.</summary>
    public const double UseGradClipMaxNorm = 0.01;

    /// <summary>Clips in place; returns the total norm before clipping.</summary>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grads = parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!).ToArray();
        if (grads.Length == 0) return 0;
        var norms = grads.Select(g => linalg.vector_norm(g, 2)).ToArray();
        var total = linalg.vector_norm(stack(norms), 2);
        var coef = (maxNorm / (total + 1e-6)).clamp_max(1.0);
        foreach (var g in grads) g.mul_(coef);
        return total.to(ScalarType.Float64).item<double>();
    }
}
