using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models.V2;

/// <summary>
/// The attentive state-space module, ASSM (key <c>assm</c>), on (B, H·W, C) tokens x = norm3(X):
/// <list type="number">
/// <item>prompts E = embeddingB.weight · embeddingA.weight (num_tokens × d_state; embeddingA is the layer's);</item>
/// <item>routing: route = [Linear C→C/3, GELU, Linear C/3→T, LogSoftmax]; a one-hot class per pixel
/// (<see cref="MambaIRv2Routing"/>), prompt = one-hot · E, in raster order;</item>
/// <item>semantic-guided neighbouring: pixels stably sorted by class id;</item>
/// <item>input path: in_proj (1×1 conv C→D) then x ⊙ sigmoid(CPE(x)) (depthwise 3×3), gathered in sorted order;</item>
/// <item>the scan (<see cref="SingleDirectionScan"/>) with the prompt added to C <b>position by position</b>: sorted
/// position i gets the prompt of raster pixel i, exactly as the official code does (csguoh/MambaIR issue #115);</item>
/// <item>out_proj(out_norm(y)) (LayerNorm D, Linear D→C with bias; no SiLU gate), scattered back to raster order.</item>
/// </list>
/// </summary>
public sealed class AttentiveStateSpace : nn.Module
{
    private readonly SingleDirectionScan selectiveScan;
    private readonly LayerNorm out_norm;
    private readonly Linear out_proj;
    private readonly Sequential in_proj;
    private readonly Sequential CPE;
    private readonly Embedding embeddingB;
    private readonly Sequential route;
    private readonly long hidden;

    public AttentiveStateSpace(MambaIRv2Config config) : base(nameof(AttentiveStateSpace))
    {
        long c = config.EmbedDim;
        hidden = config.Hidden;
        selectiveScan = new SingleDirectionScan(hidden, config.DState, config.DtRank);
        out_norm = nn.LayerNorm(hidden);
        out_proj = nn.Linear(hidden, c);
        in_proj = nn.Sequential(("0", nn.Conv2d(c, hidden, 1)));
        CPE = nn.Sequential(("0", nn.Conv2d(hidden, hidden, 3, padding: 1, groups: hidden)));
        embeddingB = nn.Embedding(config.NumTokens, config.InnerRank);
        using (no_grad()) embeddingB.weight!.uniform_(-1.0 / config.NumTokens, 1.0 / config.NumTokens);
        route = nn.Sequential(
            ("0", nn.Linear(c, config.RouteHidden)),
            ("1", nn.GELU()),
            ("2", nn.Linear(config.RouteHidden, config.NumTokens)),
            ("3", nn.LogSoftmax(-1)));
        RegisterComponents();
    }

    /// <param name="x">(B, H·W, C), raster order.</param>
    /// <param name="token">The layer's <c>embeddingA.weight</c>, (inner_rank, d_state).</param>
    /// <param name="noise">Gumbel noise for stochastic routing, or null for the deterministic argmax.</param>
    internal Tensor Forward(Tensor x, long h, long w, Tensor token, GumbelNoise? noise)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], c = x.shape[2];
        var prompts = embeddingB.weight!.matmul(token);                                       // (T, N)

        // route = [Linear, GELU, Linear, LogSoftmax], its linears as token linears (the same values; faster on the CPU).
        var logits = TokenLinear.Forward((Linear)route[2], nn.functional.gelu(TokenLinear.Forward((Linear)route[0], x))).log_softmax(-1); // (B, n, T)
        Tensor prompt, cls;                                                                   // (B, n, N) in raster order, (B, n)
        if (is_grad_enabled() && (logits.requires_grad || prompts.requires_grad))
        {
            // Training: the straight-through one-hot, so that the router and the prompts get their gradients.
            (var policy, cls) = SemanticRouting.Classify(logits, noise);
            prompt = policy.matmul(prompts);
        }
        else
        {
            // Inference: the one-hot times E is E's row of the class (the official y_hard − y_soft + y_soft differs
            // from 1 by at most an ulp, so the two agree to rounding).
            cls = SemanticRouting.Classes(logits, noise);
            prompt = prompts.index_select(0, cls.view(-1)).view(b, n, -1);
        }
        var (order, inverse) = SemanticRouting.SortByClass(cls);

        var img = TokenLayout.AsImage(x, h, w);
        var v = in_proj.forward(img);
        v = v * CPE.forward(v).sigmoid();
        var sorted = v.reshape(b, hidden, n).gather(2, order.unsqueeze(1).expand(b, hidden, n)); // (B, D, n)
        var y = selectiveScan.Forward(sorted, prompt).transpose(1, 2);                           // (B, n, D), sorted order
        y = TokenLinear.Forward(out_proj, out_norm.forward(y));
        // Back to raster order (index_select copies whole token rows; gather is several times slower at batch 1).
        var raster = b == 1 ? y.index_select(1, inverse.view(-1)) : y.gather(1, inverse.unsqueeze(-1).expand(b, n, c));
        return raster.MoveToOuterDisposeScope();
    }
}
