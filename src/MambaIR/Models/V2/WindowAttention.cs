using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models.V2;

/// <summary>
/// Window multi-head self-attention with a learned relative position bias (key <c>win_mhsa</c>). It receives q|k|v
/// already projected (the layer's <c>wqkv</c>), per window: (B·nW, ws², 3C), heads contiguous in each of q, k, v;
/// attn = softmax((q·head_dim^−½) kᵀ + bias[rpi] (+ mask)) v, then <c>proj</c>.
/// </summary>
public sealed class WindowAttention : nn.Module
{
    private readonly Parameter relative_position_bias_table; // ((2ws−1)², heads)
    private readonly Linear proj;
    private readonly long heads, windowArea;
    private readonly double scale;

    public WindowAttention(long dim, long windowSize, long numHeads) : base(nameof(WindowAttention))
    {
        heads = numHeads;
        windowArea = windowSize * windowSize;
        scale = Math.Pow(dim / numHeads, -0.5);
        relative_position_bias_table = new Parameter(zeros((2 * windowSize - 1) * (2 * windowSize - 1), numHeads));
        using (no_grad()) nn.init.trunc_normal_(relative_position_bias_table, std: 0.02);
        proj = nn.Linear(dim, dim);
        RegisterComponents();
    }

    /// <param name="qkv">(B·nW, ws², 3C).</param>
    /// <param name="rpi">The (ws², ws²) relative position index.</param>
    /// <param name="mask">(nW, ws², ws²) for shifted windows, else null.</param>
    public Tensor Forward(Tensor qkv, Tensor rpi, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        long bw = qkv.shape[0], n = qkv.shape[1], c = qkv.shape[2] / 3;
        var parts = qkv.reshape(bw, n, 3, heads, c / heads).permute(2, 0, 3, 1, 4);
        var q = parts[0] * scale;
        var attn = q.matmul(parts[1].transpose(-2, -1));                                  // (B·nW, heads, n, n)
        var bias = relative_position_bias_table.index_select(0, rpi.view(-1)).view(windowArea, windowArea, -1).permute(2, 0, 1);
        attn = attn + bias.unsqueeze(0);
        if (mask is not null)
        {
            long nw = mask.shape[0];
            attn = (attn.view(bw / nw, nw, heads, n, n) + mask.unsqueeze(1).unsqueeze(0)).view(-1, heads, n, n);
        }
        attn = attn.softmax(-1);
        var x = attn.matmul(parts[2]).transpose(1, 2).reshape(bw, n, c);
        return proj.forward(x).MoveToOuterDisposeScope();
    }
}
