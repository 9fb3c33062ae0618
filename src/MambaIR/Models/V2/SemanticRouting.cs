using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Models.V2;

/// <summary>The routing steps of the ASSM, on their own so that they can be checked against their definitions.</summary>
internal static class SemanticRouting
{
    /// <summary>
    /// <c>F.gumbel_softmax(logits, tau=1, hard=True)</c>: y_soft = softmax(logits + g) (g = 0 without noise); the result is
    /// y_hard − y_soft.detach() + y_soft with y_hard the one-hot of argmax(y_soft) — forward value the one-hot (the hot
    /// entry 1 ± 1 ulp, the others exactly 0), gradient the softmax's (straight-through). Also returns the class ids.
    /// </summary>
    public static (Tensor Policy, Tensor Classes) Classify(Tensor logits, GumbelNoise? noise)
    {
        using var scope = NewDisposeScope();
        if (noise is not null) logits = logits + noise.Sample(logits);
        var soft = logits.softmax(-1);
        var cls = soft.argmax(-1);
        var hard = nn.functional.one_hot(cls, soft.shape[^1]).to(soft.dtype);
        var policy = hard - soft.detach() + soft;
        return (policy.MoveToOuterDisposeScope(), cls.MoveToOuterDisposeScope());
    }

    /// <summary>The class ids alone, argmax(softmax(logits + g)), as <see cref="Classify"/> picks them.</summary>
    public static Tensor Classes(Tensor logits, GumbelNoise? noise)
    {
        using var scope = NewDisposeScope();
        if (noise is not null) logits = logits + noise.Sample(logits);
        return logits.softmax(-1).argmax(-1).MoveToOuterDisposeScope();
    }

    /// <summary>Semantic-guided neighbouring: the pixels of each image stably sorted by class id (ties in raster order),
    /// as (B, n) <c>order</c> (sorted position → pixel) and its inverse (pixel → sorted position).</summary>
    public static (Tensor Order, Tensor Inverse) SortByClass(Tensor classes)
    {
        using var scope = NewDisposeScope();
        long b = classes.shape[0], n = classes.shape[1];
        var (_, order) = classes.sort(dim: -1, stable: true);
        var inverse = zeros_like(order).scatter_(1, order, arange(n, dtype: order.dtype, device: order.device).expand(b, n));
        return (order.MoveToOuterDisposeScope(), inverse.MoveToOuterDisposeScope());
    }
}
