using MambaIR.Checkpoints;
using static TorchSharp.torch;

namespace MambaIR.Tests.Checkpoints;

/// <summary>
/// Small checkpoints written by real PyTorch 2.11 (Fixtures/make_torch_fixtures.py): the zip format at pickle
/// protocols 2 and 4, the legacy format, non-contiguous and storage-sharing views, every dtype, a BasicSR training
/// checkpoint with optimizer state and numpy/argparse objects, DataParallel keys, CRC-less zips, a whole pickled
/// model, and files that must be refused. Fixtures/expected.safetensors (written by the safetensors library) holds what each must load as.
/// </summary>
[Collection("torch")]
public class TorchMadeFixtureTests
{
    static readonly string Dir = Path.Combine(TestPaths.RepoRoot, "tests", "MambaIR.Tests", "Checkpoints", "Fixtures");
    static string F(string name) => Path.Combine(Dir, name);

    static void MatchesExpected(string file, StateDict loaded, string? expectedAs = null)
    {
        using var expected = SafeTensors.Read(F("expected.safetensors"));
        string prefix = (expectedAs ?? file) + "/";
        var want = expected.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                           .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
        Assert.NotEmpty(want);
        Assert.Equal(want.Keys.Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
        foreach (var (k, t) in loaded)
        {
            var e = want[k];
            Assert.True(e.dtype == t.dtype, $"{file} {k}: {t.dtype} vs {e.dtype}");
            Assert.Equal(e.shape, t.shape);
            Assert.True(t.is_contiguous());
            Assert.True(e.bytes.SequenceEqual(t.bytes), $"{file} {k}: values differ");
        }
    }

    [Theory]
    [InlineData("zip_p2.pth")]
    [InlineData("zip_p4.pth")]
    [InlineData("legacy.pth")]
    [InlineData("nocrc.pth")]
    [InlineData("hf.safetensors")]
    public void LoadsExactlyWhatTorchSaved(string file)
    {
        using var sd = Checkpoint.Load(F(file));
        MatchesExpected(file, sd);
    }

    [Fact]
    public void FileOrderIsKept()
    {
        using var sd = Checkpoint.Load(F("zip_p2.pth"));
        Assert.Equal(new[] { "f32", "transposed", "slice", "row", "col", "f16", "bf16", "f64", "i64", "i32", "i16", "i8", "u8", "bool", "c64", "empty", "expanded" }, sd.Keys);
        using var legacy = Checkpoint.Load(F("legacy.pth"));
        Assert.Equal(sd.Keys, legacy.Keys);
    }

    [Fact]
    public void TrainingCheckpointPicksParamsEmaAndSkipsTheRest()
    {
        using var sd = Checkpoint.Load(F("training.pth"));
        Assert.Equal("params_ema", sd.ParamKey);
        MatchesExpected("training.pth", sd);
        using var p = Checkpoint.Load(F("training.pth"), "params");
        MatchesExpected("training.pth", p, "nocrc.pth"); // the same trained model, saved again without CRCs
    }

    [Fact]
    public void DataParallelPrefixIsStripped()
    {
        using var sd = Checkpoint.Load(F("dataparallel.pth.tar"));
        Assert.Equal("state_dict", sd.ParamKey);
        MatchesExpected("dataparallel.pth.tar", sd);
    }

    [Fact]
    public void WholePickledModelLoadsAsItsStateDict()
    {
        // torch.save(model) of the trained nn.Sequential(Conv2d, BatchNorm2d, Linear) that nocrc.pth holds as a state dict.
        using var sd = Checkpoint.Load(F("whole_model.pth"));
        Assert.Null(sd.ParamKey);
        Assert.Equal(new[] { "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "2.weight", "2.bias" }, sd.Keys);
        MatchesExpected("whole_model.pth", sd, "nocrc.pth");
    }

    [Fact]
    public void ParametersLoadAsPlainTensors()
    {
        using var sd = Checkpoint.Load(F("parameter.pt"));
        Assert.Equal(new[] { "p", "b" }, sd.Keys);
        Assert.False(sd["p"].requires_grad);
    }

    [Fact]
    public void SafetensorsMetadataIsRead() =>
        Assert.Equal("made by safetensors", SafeTensors.ReadMetadata(F("hf.safetensors"))["note"]);

    [Theory]
    [InlineData("scripted.pt", "TorchScript archive")]
    [InlineData("uint16.pth", "'u16'")]
    public void RefusedWithAClearMessage(string file, string fragment)
    {
        var e = Assert.ThrowsAny<CheckpointException>(() => Checkpoint.Load(F(file)));
        Assert.StartsWith(F(file), e.Message);
        Assert.Contains(fragment, e.Message);
    }
}
