using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// MORAN ASRN's <c>Attention</c> decoder in test mode: greedy decoding for a fixed number of steps, starting from
/// symbol 0 (the start token) and feeding back <c>argmax + 1</c> (row 0 of <c>char_embeddings</c> is the start token).
/// State-dict keys: <c>char_embeddings</c>, <c>attention_cell.*</c>, <c>generator.*</c>.
/// </summary>
public sealed class AsrnAttentionDecoder : nn.Module
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly Parameter char_embeddings;
    readonly AsrnAttentionCell attention_cell;
    readonly Linear generator;
#pragma warning restore IDE1006
    readonly long _hiddenSize;

    /// <summary>Creates <c>Attention(input_size, hidden_size, num_classes, num_embeddings)</c>.</summary>
    public AsrnAttentionDecoder(long inputSize, long hiddenSize, long classCount, long embeddingSize) : base(nameof(AsrnAttentionDecoder))
    {
        _hiddenSize = hiddenSize;
        attention_cell = new AsrnAttentionCell(inputSize, hiddenSize, embeddingSize);
        generator = nn.Linear(hiddenSize, classCount);
        char_embeddings = new Parameter(randn(classCount + 1, embeddingSize));
        RegisterComponents();
    }

    /// <summary>Greedy test-mode decoding of <paramref name="feats"/> (T, B, C) for <paramref name="steps"/> steps; returns logits (B, steps, classes).</summary>
    public Tensor Decode(Tensor feats, int steps)
    {
        using var scope = NewDisposeScope();
        long nB = feats.shape[1];
        var hidden = zeros(nB, _hiddenSize, feats.dtype, feats.device);
        var previous = zeros(nB, ScalarType.Int64, feats.device);
        var outputs = new List<Tensor>(steps);
        for (int i = 0; i < steps; i++)
        {
            var embeddings = char_embeddings.index_select(0, previous);
            hidden = attention_cell.Step(hidden, feats, embeddings);
            var logits = generator.call(hidden);
            outputs.Add(logits);
            previous = logits.argmax(1) + 1;
        }
        return stack(outputs, 1).MoveToOuterDisposeScope();
    }
}
