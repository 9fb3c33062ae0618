using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// ASTER's decoder (<c>AttentionRecognitionHead(num_classes=97, in_planes=512, sDim=512, attDim=512,
/// max_len_labels=100)</c>); inference is <see cref="BeamSearch"/>. State-dict keys: <c>decoder.*</c>.
/// </summary>
public sealed class AttentionRecognitionHead : nn.Module
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly AsterDecoderUnit decoder;
#pragma warning restore IDE1006

    /// <summary>Number of output classes (including EOS).</summary>
    public int ClassCount { get; }
    /// <summary>Decoder state size.</summary>
    public int StateSize { get; }
    /// <summary>Maximum number of decoded symbols.</summary>
    public int MaxLength { get; }

    /// <summary>Creates the head.</summary>
    public AttentionRecognitionHead(int classCount = AsterVocabulary.ClassCount, int inPlanes = AsterResNet.OutPlanes,
        int sDim = 512, int attDim = 512, int maxLength = 100) : base(nameof(AttentionRecognitionHead))
    {
        ClassCount = classCount;
        StateSize = sDim;
        MaxLength = maxLength;
        decoder = new AsterDecoderUnit(sDim, inPlanes, classCount, attDim);
        RegisterComponents();
    }

    /// <summary>Beam-search decoding of encoder features (B, T, 512): the best beam's ids (B, MaxLength) and its log-probability (B).</summary>
    public (Tensor Ids, Tensor LogProbability) BeamSearch(Tensor features, int beamWidth, int eos) =>
        Recognizers.BeamSearch.Run(decoder, features, beamWidth, eos, ClassCount, StateSize, MaxLength);
}
