using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// <c>BidirectionalLSTM</c> of CRNN and MORAN's ASRN: a one-layer bidirectional LSTM over (T, B, nIn) followed by a
/// per-step linear map to nOut. State-dict keys: <c>rnn.*</c> (PyTorch LSTM names) and <c>embedding.*</c>.
/// </summary>
public sealed class BidirectionalLstm : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly LSTM rnn;
    readonly Linear embedding;
#pragma warning restore IDE1006

    /// <summary>Creates the block (<c>BidirectionalLSTM(nIn, nHidden, nOut)</c>).</summary>
    public BidirectionalLstm(long inputSize, long hiddenSize, long outputSize) : base(nameof(BidirectionalLstm))
    {
        rnn = nn.LSTM(inputSize, hiddenSize, bidirectional: true);
        embedding = nn.Linear(hiddenSize * 2, outputSize);
        RegisterComponents();
    }

    /// <summary>(T, B, nIn) → (T, B, nOut).</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (recurrent, _, _) = rnn.call(input);
        long t = recurrent.shape[0], b = recurrent.shape[1], h = recurrent.shape[2];
        var output = embedding.call(recurrent.view(t * b, h));
        return output.view(t, b, -1).MoveToOuterDisposeScope();
    }
}
