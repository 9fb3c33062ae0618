using System.CommandLine;
using System.Text.Json;
using MambaIR.Cli.Commands;

namespace MambaIR.Tests.Evaluation;

[Collection("torch")]
public class EvalCommandTests
{
    static int Run(params string[] args)
    {
        var root = new RootCommand { new EvalCommand().Create() };
        return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    [Fact]
    public void Eval_Bicubic_WritesJsonCsvAndMarkdown()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string json = Path.Combine(dir, "r.json"), csv = Path.Combine(dir, "r.csv"), md = Path.Combine(dir, "r.md");
            int rc = Run("eval", "--model", "bicubic", "--scale", "4", "--dataset", Path.Combine(TestPaths.Benchmarks, "Set5"),
                "--json", json, "--csv", csv, "--markdown", md, "--quiet", "--device", "cpu");
            Assert.Equal(0, rc);
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var set = doc.RootElement.GetProperty("datasets")[0];
            Assert.Equal("Set5", set.GetProperty("name").GetString());
            Assert.Equal(5, set.GetProperty("results").GetArrayLength());
            Assert.Equal(28.4302, set.GetProperty("mean_psnr").GetDouble(), 0.00006);
            Assert.Equal(6, File.ReadAllLines(csv).Length);
            Assert.Contains("| Set5 | 5 | 28.4302 | 0.8111 |", File.ReadAllText(md));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task Eval_ReportsUserErrorsClearly()
    {
        var e = Assert.Throws<ArgumentException>(() => Run("eval", "--model", "bicubic", "--dataset", "x", "--quiet"));
        Assert.Contains("--scale", e.Message);
        e = Assert.Throws<ArgumentException>(() => Run("eval", "--model", "bicubic", "--task", "denoise", "--sigma", "15", "--dataset", "x"));
        Assert.Contains("identity", e.Message);
        var f = Assert.Throws<FileNotFoundException>(() => Run("eval", "--model", "/nonexistent/net.pth", "--scale", "2", "--dataset", "x"));
        Assert.Contains("/nonexistent/net.pth", f.Message);
        // Bad values are usage errors at parse time: exit code 2 and one line naming the option and the value.
        var root = new RootCommand { new EvalCommand().Create() };
        var previous = Console.Error;
        var capture = new StringWriter();
        Console.SetError(capture);
        int rc;
        try { rc = await MambaIR.Cli.CliRunner.InvokeAsync(root, ["eval", "--model", "bicubic", "--scale", "2", "--tile", "blended", "--dataset", "x"]); }
        finally { Console.SetError(previous); }
        Assert.Equal(2, rc);
        Assert.Contains("--tile 'blended'", capture.ToString());
    }
}
