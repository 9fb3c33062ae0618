using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MambaIR.Text.Recognizers;

/// <summary>What ASTER computes for a batch, for inspection and parity tests.</summary>
/// <param name="ControlPoints">STN control points (B, 20, 2) in normalised [0, 1] source coordinates.</param>
/// <param name="Rectified">TPS-rectified images (B, 3, 32, 100).</param>
/// <param name="EncoderFeatures">Encoder output (B, 25, 512).</param>
/// <param name="PredictedIds">Best beam's class ids (B, 100); read up to the first EOS.</param>
/// <param name="PredictedScores">
/// Per-step scores as aster.pytorch's <c>beam_search</c> returns them (<c>torch.ones_like(ids)</c>; the search keeps no
/// per-step probabilities). See <paramref name="LogProbability"/> for the beam's score.
/// </param>
/// <param name="LogProbability">The best beam's accumulated log-probability (B).</param>
public sealed record AsterOutput(Tensor ControlPoints, Tensor Rectified, Tensor EncoderFeatures, Tensor PredictedIds,
    Tensor PredictedScores, Tensor LogProbability) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose()
    {
        ControlPoints.Dispose();
        Rectified.Dispose();
        EncoderFeatures.Dispose();
        PredictedIds.Dispose();
        PredictedScores.Dispose();
        LogProbability.Dispose();
    }
}

/// <summary>
/// ASTER (ayumiymk/aster.pytorch) as built by TextZoom's <c>RecognizerBuilder('ResNet_ASTER', rec_num_classes=97,
/// sDim=512, attDim=512, max_len_labels=100, eos=94, STN_ON=True)</c>, in inference mode: the STN sees a bilinear
/// (align_corners = True) 32×64 copy of the input, the TPS samples the full input to 32×100, then
/// <see cref="AsterResNet"/> and beam search (width 5). State-dict keys: <c>encoder.*</c>, <c>decoder.*</c>,
/// <c>tps.*</c>, <c>stn_head.*</c>.
/// </summary>
public sealed class Aster : nn.Module
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly AsterResNet encoder;
    readonly AttentionRecognitionHead decoder;
    readonly TpsSpatialTransformer tps;
    readonly StnHead stn_head;
#pragma warning restore IDE1006

    /// <summary>STN input size (height, width).</summary>
    public static readonly (int Height, int Width) StnInputSize = (32, 64);
    /// <summary>Beam width of the TextZoom configuration.</summary>
    public const int BeamWidth = 5;

    /// <summary>Creates the network in the TextZoom configuration.</summary>
    public Aster() : base(nameof(Aster))
    {
        encoder = new AsterResNet();
        decoder = new AttentionRecognitionHead();
        tps = new TpsSpatialTransformer();
        stn_head = new StnHead();
        RegisterComponents();
    }

    /// <summary>Runs ASTER on images (B, 3, H, W) in [−1, 1] (TextZoom: 32×128).</summary>
    public AsterOutput Forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var stnInput = F.interpolate(images, size: [StnInputSize.Height, StnInputSize.Width],
            mode: InterpolationMode.Bilinear, align_corners: true);
        var controlPoints = stn_head.call(stnInput);
        var rectified = tps.Forward(images, controlPoints);
        var features = encoder.call(rectified).contiguous();
        var (ids, logProbability) = decoder.BeamSearch(features, BeamWidth, AsterVocabulary.Eos);
        var output = new AsterOutput(controlPoints, rectified, features, ids, ones_like(ids), logProbability);
        foreach (var t in new[] { controlPoints, rectified, features, ids, output.PredictedScores, logProbability })
            t.MoveToOuterDisposeScope();
        return output;
    }
}
