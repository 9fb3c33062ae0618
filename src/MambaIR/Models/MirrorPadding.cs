using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// Pads images at the bottom and right to a multiple of a size by mirroring, as MambaIRv2's forward does:
/// <c>x = cat([x, flip(x)])[:target]</c> along the height, then the width, so padded row h+i equals row h−1−i
/// (symmetric, edge repeated). Where the padding is longer than the image (an input smaller than half the multiple,
/// on which the official code fails) the mirrored copies are repeated, which extends the same pattern periodically.
/// </summary>
public static class MirrorPadding
{
    /// <summary>The smallest multiple of <paramref name="multiple"/> that is at least <paramref name="size"/>.</summary>
    public static long RoundUp(long size, long multiple) => (size + multiple - 1) / multiple * multiple;

    /// <summary>(B, C, H, W) → (B, C, H', W') with H', W' the next multiples of <paramref name="multiple"/>; the input
    /// itself when nothing needs padding.</summary>
    public static Tensor ToMultiple(Tensor x, long multiple)
    {
        if (x.dim() != 4) throw new ArgumentException($"mirror padding expects (batch, channels, height, width), got ({string.Join(", ", x.shape)})");
        long h = x.shape[2], w = x.shape[3], ht = RoundUp(h, multiple), wt = RoundUp(w, multiple);
        if (h == ht && w == wt) return x;
        using var scope = NewDisposeScope();
        return Extend(Extend(x, 2, ht), 3, wt).MoveToOuterDisposeScope();
    }

    static Tensor Extend(Tensor x, int dim, long target)
    {
        while (x.shape[dim] < target) x = cat(new[] { x, x.flip(dim) }, dim);
        return x.shape[dim] == target ? x : x.narrow(dim, 0, target);
    }
}
