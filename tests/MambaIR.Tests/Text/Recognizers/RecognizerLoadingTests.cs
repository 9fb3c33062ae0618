using MambaIR.Checkpoints;
using MambaIR.Native;
using MambaIR.Text.Recognizers;
using static TorchSharp.torch;

namespace MambaIR.Tests.Text.Recognizers;

public class RecognizerLoadingTests
{
    public RecognizerLoadingTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void DetectsEachRecognizerFromItsKeys()
    {
        Assert.Equal(RecognizerKind.Crnn, RecognizerKinds.Detect(["cnn.conv0.weight", "rnn.0.rnn.weight_ih_l0"]));
        Assert.Equal(RecognizerKind.Moran, RecognizerKinds.Detect(["module.MORN.cnn.1.weight", "module.ASRN.cnn.block0.0.weight"]));
        Assert.Equal(RecognizerKind.Aster, RecognizerKinds.Detect(["encoder.layer0.0.weight", "stn_head.stn_fc2.bias"]));
        Assert.Null(RecognizerKinds.Detect(["conv_first.weight", "layers.0.residual_group.blocks.0.ln_1.weight"]));
    }

    [Theory]
    [InlineData("moran", "crnn", "MORAN checkpoint, not CRNN")]
    [InlineData("crnn", "aster", "CRNN checkpoint, not ASTER")]
    [InlineData("aster", "moran", "ASTER checkpoint, not MORAN")]
    public void RefusesAnotherRecognizersCheckpoint(string file, string loadAs, string message)
    {
        string path = RecognizerReferenceFiles.Checkpoint(RecognizerKinds.Parse(file));
        var e = Assert.Throws<InvalidDataException>(() => TextRecognizers.Load(RecognizerKinds.Parse(loadAs), path).Dispose());
        Assert.Contains(message, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void NamesMissingUnexpectedAndMisshapenKeys()
    {
        string path = RecognizerReferenceFiles.Checkpoint(RecognizerKind.Crnn);
        using var sd = Checkpoint.Load(path);

        var missing = sd.Where(kv => kv.Key != "rnn.1.embedding.bias").ToDictionary(kv => kv.Key, kv => kv.Value);
        missing["rnn.2.embedding.bias"] = sd["rnn.1.embedding.bias"];
        var e = Assert.Throws<CheckpointException>(() => new CrnnRecognizer(missing, "edited.pth").Dispose());
        Assert.Contains("edited.pth", e.Message);
        Assert.Contains("the CRNN network", e.Message);
        Assert.Contains("missing keys (1): rnn.1.embedding.bias", e.Message);
        Assert.Contains("unexpected keys (1): rnn.2.embedding.bias", e.Message);

        using var wrong = zeros(36);
        var misshapen = sd.ToDictionary(kv => kv.Key, kv => kv.Key == "rnn.1.embedding.bias" ? wrong : kv.Value);
        e = Assert.Throws<CheckpointException>(() => new CrnnRecognizer(misshapen, "edited.pth").Dispose());
        Assert.Contains("shape mismatch for rnn.1.embedding.bias: expected (37), found (36)", e.Message);
    }

    [Fact]
    public void LoadsWhicheverRecognizerTheFileHolds()
    {
        using var recognizer = TextRecognizers.Load(RecognizerReferenceFiles.Checkpoint(RecognizerKind.Crnn), ScalarType.Float64);
        Assert.Equal("crnn", recognizer.Name);
        Assert.Equal(ScalarType.Float64, recognizer.DType);
    }

    [Fact]
    public void RejectsUnsupportedDType()
    {
        using var sd = Checkpoint.Load(RecognizerReferenceFiles.Checkpoint(RecognizerKind.Crnn));
        var e = Assert.Throws<ArgumentException>(() => new CrnnRecognizer(sd, "crnn.pth", ScalarType.Float16).Dispose());
        Assert.Contains("Float16", e.Message);
    }
}
