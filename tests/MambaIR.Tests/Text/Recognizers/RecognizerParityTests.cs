using MambaIR.Checkpoints;
using MambaIR.Native;
using MambaIR.Text.Recognizers;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MambaIR.Tests.Text.Recognizers;

/// <summary>
/// CRNN, MORAN and ASTER against the official PyTorch code's outputs (<c>refvec/recognizers</c>; the float16 weights
/// there are exact in float32 and float64). Floating outputs: ≤ 1e-8 (float64) and ≤ 1e-4 (float32) absolute;
/// ids identical.
/// </summary>
[Trait("Category", "Parity")]
public class RecognizerParityTests
{
    readonly ITestOutputHelper _output;

    public RecognizerParityTests(ITestOutputHelper output)
    {
        _output = output;
        TorchRuntime.EnsureInitialized();
    }

    /// <summary>Every recognizer present in the folder, in float64 and float32.</summary>
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in RecognizerReferenceFiles.Available())
            foreach (var precision in new[] { "f64", "f32" })
                data.Add(kind.Name(), precision);
        return data;
    }

    [Fact]
    public void ReferenceFolderHoldsRecognizers() =>
        Assert.NotEmpty(RecognizerReferenceFiles.Available());

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReference(string recognizer, string precision)
    {
        var kind = RecognizerKinds.Parse(recognizer);
        var dtype = precision == "f64" ? ScalarType.Float64 : ScalarType.Float32;
        double tolerance = precision == "f64" ? 1e-8 : 1e-4;
        using var io = SafeTensors.Read(RecognizerReferenceFiles.Io(kind));
        using var scope = NewDisposeScope();
        string checkpoint = RecognizerReferenceFiles.Checkpoint(kind);
        switch (kind)
        {
            case RecognizerKind.Crnn:
            {
                using var crnn = CrnnRecognizer.Load(checkpoint, dtype);
                var scores = crnn.Scores(io["input"]);
                Close($"crnn scores {precision}", io[$"scores_{precision}"], scores, tolerance);
                break;
            }
            case RecognizerKind.Moran:
            {
                using var moran = MoranRecognizer.Load(checkpoint, dtype);
                var steps = (int)io["length"].max().item<long>();
                Assert.True(io["length"].eq(steps).all().item<bool>(), "the reference uses one length for all images");
                var (l2r, r2l) = moran.Logits(io["input"], steps);
                Close($"moran preds {precision}", io[$"preds_{precision}"], l2r.reshape(-1, MoranLabelConverter.ClassCount), tolerance);
                Close($"moran preds_reverse {precision}", io[$"preds_reverse_{precision}"],
                    r2l.reshape(-1, MoranLabelConverter.ClassCount), tolerance);
                Same("moran argmax", io["argmax"], l2r.argmax(2).reshape(-1));
                break;
            }
            case RecognizerKind.Aster:
            {
                using var aster = AsterRecognizer.Load(checkpoint, dtype);
                using var result = aster.Run(io["input"]);
                Close($"aster ctrl_points {precision}", io[$"ctrl_points_{precision}"], result.ControlPoints, tolerance);
                Close($"aster rectified {precision}", io[$"rectified_{precision}"], result.Rectified, tolerance);
                Close($"aster encoder_feats {precision}", io[$"encoder_feats_{precision}"], result.EncoderFeatures, tolerance);
                Same("aster pred_rec", io["pred_rec"], result.PredictedIds);
                Same("aster pred_rec_score", io["pred_rec_score"], result.PredictedScores);
                break;
            }
        }
    }

    void Close(string what, Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(expected.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32, actual.dtype);
        double err = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max().item<double>();
        _output.WriteLine($"{what}: max abs error {err:E3} (tolerance {tolerance:E0})");
        Assert.True(err <= tolerance, $"{what}: max abs error {err:E3} > {tolerance:E0}");
    }

    void Same(string what, Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        long differing = expected.ne(actual.to(expected.dtype)).sum().item<long>();
        _output.WriteLine($"{what}: {differing} of {expected.numel()} ids differ");
        Assert.Equal(0, differing);
    }
}
