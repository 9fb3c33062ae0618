using System.CommandLine;
using MambaIR.Cli;
using MambaIR.Cli.Commands;
using MambaIR.Imaging;
using TorchSharp;

namespace MambaIR.Tests.Inference;

/// <summary>`mambair restore` end to end with the reference-vector light ×3 checkpoint on tiny images.</summary>
[Collection("torch")]
public class RestoreCommandTests
{
    static string Checkpoint => Path.Combine(TestPaths.RefVec, "v1_light_x3.pth");

    static async Task<(int Code, string Stderr)> Run(params string[] args)
    {
        var root = new RootCommand { new RestoreCommand().Create() };
        var previous = Console.Error;
        var capture = new StringWriter();
        Console.SetError(capture);
        try { return (await CliRunner.InvokeAsync(root, args), capture.ToString()); }
        finally { Console.SetError(previous); }
    }

    [Fact]
    public async Task Restores_a_folder_keeping_alpha_and_16_bit_and_reports_the_corrupt_file()
    {
        string dir = TestPaths.NewTempDir(), input = Path.Combine(dir, "in"), output = Path.Combine(dir, "out");
        Directory.CreateDirectory(input);
        var rng = new Random(3);
        var px = new float[3 * 40 * 35];
        for (int i = 0; i < px.Length; i++) px[i] = rng.Next(65536) / 65535f;
        var alpha = new float[40 * 35];
        Array.Fill(alpha, 1f);
        alpha[0] = 0;
        ImageFile.Write(Path.Combine(input, "deep.png"), new RasterImage(40, 35, 3, px, alpha, 16));
        File.WriteAllBytes(Path.Combine(input, "broken.jpg"), new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 1, 2, 3 });

        var (code, stderr) = await Run("restore", input, "-m", Checkpoint, "-o", output, "--tile", "32", "--tile-overlap", "4", "--suffix", "sr", "-q");

        Assert.Equal(1, code);
        Assert.Contains("1 restored, 0 skipped, 1 failed", stderr);
        Assert.Contains("broken.jpg", stderr);
        var result = ImageFile.Read(Path.Combine(output, "deep_sr.png"));
        Assert.Equal((120, 105, 3, 16), (result.Width, result.Height, result.Channels, result.BitDepth));
        Assert.NotNull(result.Alpha);
        Assert.Equal(1f, result.Alpha![^1]);
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData("--tile", "big")]
    [InlineData("--tile", "1")]                // was .NET exception text
    [InlineData("--format", "gif")]
    [InlineData("--dtype", "int8")]
    [InlineData("--threads", "0")]             // was a crash in native code (c10::Error, rc 134)
    [InlineData("--quality", "101")]
    [InlineData("--png-compression", "10")]
    [InlineData("--outscale", "-2")]
    [InlineData("--shard", "3/3")]
    [InlineData("--max-memory", "lots")]
    [InlineData("--device", "gpu7")]
    public async Task Bad_options_are_usage_errors_naming_the_value(string option, string value)
    {
        string dir = TestPaths.NewTempDir();
        var (code, stderr) = await Run("restore", dir, "-m", Checkpoint, "-o", Path.Combine(dir, "out"), option, value);
        Assert.Equal(2, code);
        Assert.Contains(value, stderr);
        Assert.DoesNotContain("   at ", stderr);                 // no stack trace
        Assert.True(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 3, stderr);
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task Overlap_too_large_for_the_tile_is_a_usage_error()
    {
        // Was .NET exception text from the blending code.
        string dir = TestPaths.NewTempDir();
        var (code, stderr) = await Run("restore", dir, "-m", Checkpoint, "-o", Path.Combine(dir, "out"), "--tile", "64", "--tile-overlap", "40");
        Assert.Equal(2, code);
        Assert.Contains("--tile-overlap 40 is too large for --tile 64", stderr);
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task Dtype_and_tf32_take_their_values_and_name_a_bad_one()
    {
        Assert.Equal(torch.ScalarType.BFloat16, CliOptions.TryParseDType("bf16"));
        Assert.Equal(torch.ScalarType.Float16, CliOptions.TryParseDType("half"));
        Assert.Equal(torch.ScalarType.Float64, CliOptions.TryParseDType(" FP64 "));
        Assert.Null(CliOptions.TryParseDType("int8"));
        string dir = TestPaths.NewTempDir();
        ImageFile.Write(Path.Combine(dir, "x.png"), new RasterImage(4, 4, 3, new float[48]));
        var (code, stderr) = await Run("restore", Path.Combine(dir, "x.png"), "-m", Checkpoint, "--dtype", "int8", "-o", Path.Combine(dir, "out"));
        Assert.Equal(2, code);
        Assert.Contains("--dtype 'int8': use float32, float64, bfloat16 or float16", stderr);
        (code, stderr) = await Run("restore", Path.Combine(dir, "x.png"), "-m", Checkpoint, "--tf32", "sometimes", "-o", Path.Combine(dir, "out"));
        Assert.Equal(2, code);
        Assert.Contains("--tf32 'sometimes': use on, off or default", stderr);
        Assert.Equal(true, CliOptions.ParseTf32("ON"));
        Assert.Null(CliOptions.ParseTf32("default"));
        // bfloat16 runs end to end and writes the image.
        (code, stderr) = await Run("restore", Path.Combine(dir, "x.png"), "-m", Checkpoint, "--dtype", "bfloat16", "-o", Path.Combine(dir, "out"), "-q");
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(dir, "out", "x_v1_light_x3.png")));
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData("-i")]
    [InlineData("--foo")]
    public async Task Unknown_options_are_errors_not_inputs(string option)
    {
        // Before: `-i x.png` and `--foo` were taken as input paths and the run went on.
        string dir = TestPaths.NewTempDir();
        ImageFile.Write(Path.Combine(dir, "x.png"), new RasterImage(4, 4, 3, new float[48]));
        var (code, stderr) = await Run("restore", option, Path.Combine(dir, "x.png"), "-m", Checkpoint, "-o", Path.Combine(dir, "out"));
        Assert.Equal(2, code);
        Assert.Contains($"'{option}'", stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task Help_names_the_command_mambair()
    {
        var root = new Command("mambair") { new System.CommandLine.Help.HelpOption(), new RestoreCommand().Create() };
        var previous = Console.Out;
        var capture = new StringWriter();
        Console.SetOut(capture);
        try { await CliRunner.InvokeAsync(root, ["restore", "--help"]); }
        finally { Console.SetOut(previous); }
        Assert.Contains("mambair restore", capture.ToString());
        Assert.DoesNotContain("MambaIR.Cli", capture.ToString());
        Assert.DoesNotContain("mambair presets", capture.ToString());
    }

    [Fact]
    public async Task A_missing_checkpoint_is_a_clear_error()
    {
        string dir = TestPaths.NewTempDir();
        var (code, stderr) = await Run("restore", dir, "-m", Path.Combine(dir, "nope.pth"), "-o", Path.Combine(dir, "out"));
        Assert.Equal(2, code);
        Assert.Contains("nope.pth", stderr);
        Directory.Delete(dir, true);
    }
}
