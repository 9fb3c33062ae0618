using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// One step of ASTER's attention decoder (<c>DecoderUnit</c>): attend, embed the previous symbol
/// (<c>tgt_embedding</c>, the extra last row is &lt;BOS&gt;), one GRU step on [embedding, context], then class logits.
/// State-dict keys: <c>attention_unit.*</c>, <c>tgt_embedding.weight</c>, <c>gru.*_l0</c>, <c>fc.*</c>.
/// </summary>
public sealed class AsterDecoderUnit : nn.Module
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly AsterAttentionUnit attention_unit;
    readonly Embedding tgt_embedding;
    readonly GRU gru;
    readonly Linear fc;
#pragma warning restore IDE1006

    /// <summary>Creates <c>DecoderUnit(sDim, xDim, yDim, attDim)</c>.</summary>
    public AsterDecoderUnit(long sDim, long xDim, long yDim, long attDim) : base(nameof(AsterDecoderUnit))
    {
        attention_unit = new AsterAttentionUnit(sDim, xDim, attDim);
        tgt_embedding = nn.Embedding(yDim + 1, attDim);
        gru = nn.GRU(xDim + attDim, sDim, batchFirst: true);
        fc = nn.Linear(sDim, yDim);
        RegisterComponents();
    }

    /// <summary>Projects the encoder features once for all steps (see <see cref="AsterAttentionUnit.ProjectFeatures"/>).</summary>
    public Tensor ProjectFeatures(Tensor x) => attention_unit.ProjectFeatures(x);

    /// <summary>
    /// One step: features <paramref name="x"/> (B, T, xDim) and their projection, state (1, B, sDim), previous symbols
    /// (B) → logits (B, yDim) and the new state (1, B, sDim).
    /// </summary>
    public (Tensor Logits, Tensor State) Step(Tensor x, Tensor xProj, Tensor sPrev, Tensor yPrev)
    {
        using var scope = NewDisposeScope();
        var alpha = attention_unit.Weights(xProj, sPrev);
        var context = bmm(alpha.unsqueeze(1), x).squeeze(1);
        var yProj = tgt_embedding.call(yPrev);
        var (output, state) = gru.call(cat([yProj, context], 1).unsqueeze(1), sPrev);
        var logits = fc.call(output.squeeze(1));
        return (logits.MoveToOuterDisposeScope(), state.MoveToOuterDisposeScope());
    }
}
