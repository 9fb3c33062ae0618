using System.CommandLine;
using MambaIR.Cli;
using MambaIR.Cli.Commands;
using MambaIR.Imaging;

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
        var px = new float[3 * 14 * 11];
        for (int i = 0; i < px.Length; i++) px[i] = rng.Next(65536) / 65535f;
        var alpha = new float[14 * 11];
        Array.Fill(alpha, 1f);
        alpha[0] = 0;
        ImageFile.Write(Path.Combine(input, "deep.png"), new RasterImage(14, 11, 3, px, alpha, 16));
        File.WriteAllBytes(Path.Combine(input, "broken.jpg"), new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 1, 2, 3 });

        var (code, stderr) = await Run("restore", input, "-m", Checkpoint, "-o", output, "--tile", "8", "--tile-overlap", "2", "--suffix", "sr", "-q");

        Assert.Equal(1, code);
        Assert.Contains("1 restored, 0 skipped, 1 failed", stderr);
        Assert.Contains("broken.jpg", stderr);
        var result = ImageFile.Read(Path.Combine(output, "deep_sr.png"));
        Assert.Equal((42, 33, 3, 16), (result.Width, result.Height, result.Channels, result.BitDepth));
        Assert.NotNull(result.Alpha);
        Assert.Equal(1f, result.Alpha![^1]);
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData("--tile", "big")]
    [InlineData("--format", "gif")]
    [InlineData("--dtype", "int8")]
    public async Task Bad_options_are_usage_errors_naming_the_value(string option, string value)
    {
        string dir = TestPaths.NewTempDir();
        var (code, stderr) = await Run("restore", dir, "-m", Checkpoint, "-o", Path.Combine(dir, "out"), option, value);
        Assert.Equal(2, code);
        Assert.Contains(value, stderr);
        Directory.Delete(dir, true);
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
