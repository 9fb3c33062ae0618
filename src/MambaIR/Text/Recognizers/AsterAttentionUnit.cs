using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// ASTER's additive attention (<c>AttentionUnit</c>): α = softmax_t(w·tanh(W_s s + W_x x_t)).
/// State-dict keys: <c>sEmbed.*</c>, <c>xEmbed.*</c>, <c>wEmbed.*</c>.
/// </summary>
public sealed class AsterAttentionUnit : nn.Module
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly Linear sEmbed, xEmbed, wEmbed;
#pragma warning restore IDE1006
    readonly long _xDim, _attDim;

    /// <summary>Creates <c>AttentionUnit(sDim, xDim, attDim)</c>.</summary>
    public AsterAttentionUnit(long sDim, long xDim, long attDim) : base(nameof(AsterAttentionUnit))
    {
        _xDim = xDim;
        _attDim = attDim;
        sEmbed = nn.Linear(sDim, attDim);
        xEmbed = nn.Linear(xDim, attDim);
        wEmbed = nn.Linear(attDim, 1);
        RegisterComponents();
    }

    /// <summary>The projection W_x x (B, T, attDim) of the features (B, T, xDim); it does not change between steps.</summary>
    public Tensor ProjectFeatures(Tensor x)
    {
        long b = x.shape[0], t = x.shape[1];
        return xEmbed.call(x.contiguous().view(-1, _xDim)).view(b, t, -1);
    }

    /// <summary>Attention weights (B, T) for the projected features and the previous state <paramref name="sPrev"/> (1, B, sDim).</summary>
    public Tensor Weights(Tensor xProj, Tensor sPrev)
    {
        using var scope = NewDisposeScope();
        long b = xProj.shape[0], t = xProj.shape[1];
        var sProj = sEmbed.call(sPrev.squeeze(0)).unsqueeze(1).expand(b, t, _attDim);
        var sumTanh = tanh(sProj + xProj).view(-1, _attDim);
        var vProj = wEmbed.call(sumTanh).view(b, t);
        return F.softmax(vProj, 1).MoveToOuterDisposeScope();
    }
}
