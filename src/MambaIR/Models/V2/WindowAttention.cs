using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models.V2;

/// <summary>
/// Window multi-head self-attention with a learned relative position bias (key <c>win_mhsa</c>). It receives q|k|v
/// already projected (the layer's <c>wqkv</c>), per window: (B·nW, ws², 3C), heads contiguous in each of q, k, v;
/// attn = softmax((q·head_dim^−½) kᵀ + bias[rpi] (+ mask)) v, then <c>proj</c>; the attention runs as
/// <c>scaled_dot_product_attention</c> calls with bias (+ mask) as the additive mask: one for the windows without a
/// mask, one for the border windows of shifted layers (<see cref="WindowPlan"/>).
/// </summary>
public sealed class WindowAttention : nn.Module
{
    private readonly Parameter relative_position_bias_table; // ((2ws−1)², heads)
    private readonly Linear proj;
    private readonly long heads, windowArea;

    public WindowAttention(long dim, long windowSize, long numHeads) : base(nameof(WindowAttention))
    {
        heads = numHeads;
        windowArea = windowSize * windowSize;
        relative_position_bias_table = new Parameter(zeros((2 * windowSize - 1) * (2 * windowSize - 1), numHeads));
        using (no_grad()) nn.init.trunc_normal_(relative_position_bias_table, std: 0.02);
        proj = nn.Linear(dim, dim);
        RegisterComponents();
    }

    /// <param name="qkv">(B·nW, ws², 3C), the windows in <paramref name="plan"/>'s order.</param>
    /// <param name="rpi">The (ws², ws²) relative position index.</param>
    /// <param name="plan">The windows: interior ones (bias only) first, then those with a shifted-window mask.</param>
    internal Tensor Forward(Tensor qkv, Tensor rpi, WindowPlan plan)
    {
        using var scope = NewDisposeScope();
        long bw = qkv.shape[0], n = qkv.shape[1], c = qkv.shape[2] / 3, hd = c / heads;
        var parts = qkv.reshape(bw, n, 3, heads, hd).permute(2, 0, 3, 1, 4);                   // 3 × (B·nW, heads, n, hd)
        var bias = relative_position_bias_table.index_select(0, rpi.view(-1)).view(windowArea, windowArea, -1).permute(2, 0, 1).contiguous().unsqueeze(0);
        // softmax(q kᵀ / √hd + bias (+ mask)) v as fused calls (scaled_dot_product_attention's default scale is the
        // official head_dim^−½).
        Tensor x;
        if (plan.BorderMask is null)
            x = nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2], bias);
        else
        {
            long nw = plan.Windows, ni = plan.Interior, nb = nw - ni, b = bw / nw;
            Tensor Part(Tensor t, long start, long count) => t.view(b, nw, heads, n, hd).narrow(1, start, count).reshape(b * count, heads, n, hd);
            var mask = bias + plan.BorderMask.unsqueeze(1);                                     // (nB, heads, n, n)
            if (b > 1) mask = mask.repeat(b, 1, 1, 1);
            var border = nn.functional.scaled_dot_product_attention(Part(parts[0], ni, nb), Part(parts[1], ni, nb), Part(parts[2], ni, nb), mask);
            if (ni == 0) x = border;
            else
            {
                var inner = nn.functional.scaled_dot_product_attention(Part(parts[0], 0, ni), Part(parts[1], 0, ni), Part(parts[2], 0, ni), bias);
                x = cat(new[] { inner.view(b, ni, heads, n, hd), border.view(b, nb, heads, n, hd) }, 1).view(bw, heads, n, hd);
            }
        }
        return TokenLinear.Forward(proj, x.transpose(1, 2).reshape(bw, n, c)).MoveToOuterDisposeScope();
    }
}
