using System.CommandLine;
using MambaIR.Checkpoints;
using MambaIR.Cli;
using MambaIR.Cli.Commands;
using static TorchSharp.torch;

namespace MambaIR.Tests.Checkpoints;

[Collection("torch")]
public class CheckpointCommandTests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("ckpt-cli");
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static Task<int> Run(params string[] args) => CliRunner.InvokeAsync(new RootCommand { new CheckpointCommand().Create() }, args);

    [Fact]
    public async Task ConvertWritesSafetensorsAndPthWithTheRequestedPrecision()
    {
        string src = Path.Combine(_dir, "src.pth"), st = Path.Combine(_dir, "half.safetensors"), pth = Path.Combine(_dir, "back.pth");
        using var sd = CheckpointAssert.AllDTypes();
        Checkpoint.SavePth(sd, src, wrapKey: "params_ema");
        Assert.Equal(0, await Run("checkpoint", "convert", src, st, "--dtype", "float16"));
        Assert.Equal(0, await Run("checkpoint", "convert", st, pth, "--wrap-key", "none"));
        using var back = Checkpoint.Load(pth);
        Assert.Null(back.ParamKey);
        Assert.Equal(sd.Keys, back.Keys);
        Assert.Equal(ScalarType.Float16, back["f64"].dtype);
        Assert.Equal(ScalarType.Int64, back["i64.num_batches_tracked"].dtype);
        using var expected = sd["f32.weight"].to_type(ScalarType.Float16);
        Assert.True(expected.bytes.SequenceEqual(back["f32.weight"].bytes));
        Assert.Equal(0, await Run("checkpoint", "info", pth, "--keys"));
    }

    [Fact]
    public async Task BadInputIsAUserError()
    {
        string png = Path.Combine(_dir, "x.pth");
        File.WriteAllBytes(png, [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0]);
        Assert.Equal(2, await Run("checkpoint", "info", png));
        Assert.Equal(2, await Run("checkpoint", "convert", png, Path.Combine(_dir, "y.safetensors")));
        Assert.False(File.Exists(Path.Combine(_dir, "y.safetensors")));
    }
}
