using MambaIR.Checkpoints;
using MambaIR.Native;
using MambaIR.Text.Recognizers;
using static TorchSharp.torch;

namespace MambaIR.Tests.Text.Recognizers;

/// <summary>
/// <see cref="ITextRecognizer.Recognize"/> end to end (protocol preprocessing, network, decoding) on the reference
/// inputs turned back into "super-resolved" RGB images: the strings must be those decoded from the reference outputs.
/// </summary>
[Trait("Category", "Parity")]
public class RecognizerProtocolTests
{
    public RecognizerProtocolTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void CrnnReadsTheReferencePrediction()
    {
        using var io = SafeTensors.Read(RecognizerReferenceFiles.Io(RecognizerKind.Crnn));
        using var crnn = CrnnRecognizer.Load(RecognizerReferenceFiles.Checkpoint(RecognizerKind.Crnn), ScalarType.Float64);
        using var rgb = GreyToRgb(io["input"]);
        var expected = CtcGreedyDecoder.Decode(io["scores_f64"]);
        Assert.Equal(expected, crnn.Recognize(rgb));
        Assert.Equal(io["input"].shape[0], expected.Count);
    }

    [Fact]
    public void MoranReadsTheReferencePrediction()
    {
        using var io = SafeTensors.Read(RecognizerReferenceFiles.Io(RecognizerKind.Moran));
        using var moran = MoranRecognizer.Load(RecognizerReferenceFiles.Checkpoint(RecognizerKind.Moran), ScalarType.Float64);
        using var rgb = GreyToRgb(io["input"]);
        long batch = io["input"].shape[0];
        var expected = MoranLabelConverter.Decode(io["argmax"].view(batch, -1));
        Assert.Equal(expected, moran.Recognize(rgb));
    }

    [Fact]
    public void AsterReadsTheReferencePrediction()
    {
        using var io = SafeTensors.Read(RecognizerReferenceFiles.Io(RecognizerKind.Aster));
        using var aster = AsterRecognizer.Load(RecognizerReferenceFiles.Checkpoint(RecognizerKind.Aster), ScalarType.Float64);
        // The reference input is already in [-1, 1]; in float64 (x + 1) / 2 * 2 - 1 gives x back exactly.
        using var sr = (io["input"].to(ScalarType.Float64) + 1) / 2;
        var expected = AsterVocabulary.Decode(io["pred_rec"]);
        Assert.Equal(expected, aster.Recognize(sr));
    }

    [Fact]
    public void AsterReadsNonContiguousImages()
    {
        // A model may return channels-last (permuted) images; ASTER's STN flattens features that then are not contiguous.
        using var io = SafeTensors.Read(RecognizerReferenceFiles.Io(RecognizerKind.Aster));
        using var aster = AsterRecognizer.Load(RecognizerReferenceFiles.Checkpoint(RecognizerKind.Aster), ScalarType.Float64);
        using var sr = (io["input"].to(ScalarType.Float64) + 1) / 2;
        using var channelsLast = sr.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        Assert.False(channelsLast.is_contiguous());
        Assert.Equal(AsterVocabulary.Decode(io["pred_rec"]), aster.Recognize(channelsLast));
    }

    [Theory]
    [InlineData("crnn")]
    [InlineData("moran")]
    public void ChannelsLastImagesReadLikeContiguousOnes(string name)
    {
        var kind = RecognizerKinds.Parse(name);
        using var recognizer = TextRecognizers.Load(kind, RecognizerReferenceFiles.Checkpoint(kind));
        using var gen = new TorchSharp.torch.Generator(7);
        using var sr = rand([2, 3, 32, 128], generator: gen);
        using var channelsLast = sr.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        Assert.Equal(recognizer.Recognize(sr), recognizer.Recognize(channelsLast));
    }

    [Theory]
    [InlineData("crnn")]
    [InlineData("moran")]
    [InlineData("aster")]
    public void RecognizeLeavesNoLiveTensors(string name)
    {
        var kind = RecognizerKinds.Parse(name);
        using var recognizer = TextRecognizers.Load(kind, RecognizerReferenceFiles.Checkpoint(kind));
        using var sr = rand(1, 4, 32, 128);
        recognizer.Recognize(sr);   // warm-up
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.Single(recognizer.Recognize(sr));
        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    /// <summary>(B, 1, H, W) grey → (B, 4, H, W) float64 "SR output" with R = G = B = grey and a mask channel that must be ignored.</summary>
    static Tensor GreyToRgb(Tensor grey)
    {
        var g = grey.to(ScalarType.Float64);
        return cat([g, g, g, ones_like(g)], 1);
    }
}
