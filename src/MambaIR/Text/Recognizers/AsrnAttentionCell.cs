using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// MORAN ASRN's <c>AttentionCell</c> in test mode: additive attention over the encoder sequence (<c>i2h</c>, <c>h2h</c>,
/// <c>score</c>, softmax over time) and a GRU cell fed with the attended context and the previous symbol's embedding.
/// (Fractional pickup is a training-only regulariser and is not used at test time.)
/// </summary>
public sealed class AsrnAttentionCell : nn.Module
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly Linear i2h, h2h, score;
    readonly GRUCell rnn;
#pragma warning restore IDE1006
    readonly long _hiddenSize;

    /// <summary>Creates <c>AttentionCell(input_size, hidden_size, num_embeddings)</c>.</summary>
    public AsrnAttentionCell(long inputSize, long hiddenSize, long embeddingSize) : base(nameof(AsrnAttentionCell))
    {
        _hiddenSize = hiddenSize;
        i2h = nn.Linear(inputSize, hiddenSize, hasBias: false);
        h2h = nn.Linear(hiddenSize, hiddenSize);
        score = nn.Linear(hiddenSize, 1, hasBias: false);
        rnn = nn.GRUCell(inputSize + embeddingSize, hiddenSize);
        RegisterComponents();
    }

    /// <summary>
    /// One decoding step. <paramref name="feats"/> is (T, B, C), <paramref name="prevHidden"/> (B, hidden),
    /// <paramref name="embeddings"/> (B, E); returns the new hidden state (B, hidden).
    /// </summary>
    public Tensor Step(Tensor prevHidden, Tensor feats, Tensor embeddings)
    {
        using var scope = NewDisposeScope();
        long nT = feats.shape[0], nB = feats.shape[1], nC = feats.shape[2];
        var featsProj = i2h.call(feats.view(-1, nC));
        var prevHiddenProj = h2h.call(prevHidden).view(1, nB, _hiddenSize).expand(nT, nB, _hiddenSize)
            .contiguous().view(-1, _hiddenSize);
        var emission = score.call(tanh(featsProj + prevHiddenProj).view(-1, _hiddenSize)).view(nT, nB);
        var alpha = F.softmax(emission, 0);
        var context = (feats * alpha.view(nT, nB, 1).expand(nT, nB, nC)).sum(dim: 0);   // (B, C)
        var hidden = rnn.call(cat([context, embeddings], 1), prevHidden);
        return hidden.MoveToOuterDisposeScope();
    }
}
