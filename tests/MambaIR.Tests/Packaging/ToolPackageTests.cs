using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MambaIR.Data.Lmdb;

namespace MambaIR.Tests.Packaging;

/// <summary>Runs alone: `dotnet pack` compresses ~500 MB of libtorch and would disturb tests that measure memory or time.</summary>
[CollectionDefinition("packaging", DisableParallelization = true)]
public sealed class PackagingCollection { }

/// <summary>
/// The `mambair` .NET tool as users get it: `dotnet pack` of src/MambaIR.Cli into a temporary feed, `dotnet tool install`
/// from that feed alone (a nuget.config that clears every other source, so no network is used; the tool package carries
/// all its files), then the installed command runs: help, version, the native runtime (libtorch and the bridge found
/// inside the installed tool), a whole network's forward pass, and the text generator (SkiaSharp's native library, the
/// bundled fonts, the LMDB writer). Takes about a minute, most of it compressing libtorch.
/// </summary>
[Collection("packaging")]
[Trait("Category", "Packaging")]
public class ToolPackageTests : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("tool-package");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } // left for the OS if a process still holds it
    }

    static ChildProcess.Result Start(string file, IEnumerable<string> args, string workingDir, IDictionary<string, string?>? env = null, int timeoutSeconds = 120)
        => ChildProcess.Run(file, args, workingDir, env, timeoutSeconds);

    [Fact]
    public void PackedToolInstallsAndRuns()
    {
        var clock = Stopwatch.StartNew();
        string feed = Path.Combine(_dir, "feed"), toolPath = Path.Combine(_dir, "tools");
        string project = Path.Combine(TestPaths.RepoRoot, "src", "MambaIR.Cli", "MambaIR.Cli.csproj");

        var pack = Start("dotnet", ["pack", project, "-c", "Release", "-o", feed, "-p:PublishDir=" + Path.Combine(_dir, "publish") + "/"], _dir, timeoutSeconds: 300);
        Assert.True(pack.ExitCode == 0, "dotnet pack failed: " + pack);
        // A small pointer package plus the linux-x64 package with the files.
        var rid = Directory.GetFiles(feed, "mambair.linux-x64.*.nupkg").Single();
        string version = Path.GetFileNameWithoutExtension(rid)["mambair.linux-x64.".Length..];
        Assert.True(File.Exists(Path.Combine(feed, $"mambair.{version}.nupkg")), "pointer package missing: " + string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName)));
        var packed = clock.Elapsed;

        string config = Path.Combine(_dir, "nuget.config");
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="test-feed" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        var install = Start("dotnet", ["tool", "install", "--tool-path", toolPath, "--configfile", config, "mambair", "--version", version], _dir);
        Assert.True(install.ExitCode == 0, "dotnet tool install failed: " + install);
        string mambair = Path.Combine(toolPath, "mambair");
        Assert.True(File.Exists(mambair), "no mambair command in " + toolPath);

        // The patched bridge copy goes to a folder of this test, not the user's cache.
        var env = new Dictionary<string, string?> { ["MAMBAIR_NATIVE_CACHE"] = Path.Combine(_dir, "native-cache") };
        ChildProcess.Result Tool(params string[] args)
        {
            var r = Start(mambair, args, _dir, env);
            Assert.True(r.ExitCode == 0, $"mambair {string.Join(' ', args)}: " + r);
            return r;
        }

        var help = Tool("--help");
        Assert.Contains("Usage:\n  mambair [command] [options]", help.Stdout.Replace("\r\n", "\n"));
        Assert.DoesNotContain("MambaIR.Cli", help.Stdout);
        foreach (var command in new[] { "restore", "eval", "runtime", "textzoom" }) Assert.Contains($"  {command} ", help.Stdout);

        Assert.StartsWith(version, Tool("--version").Stdout.Trim());

        // libtorch, libc10 and the bridge are those inside the installed tool.
        var runtime = Tool("runtime").Stdout;
        string store = Path.Combine(toolPath, ".store");
        string LineOf(string label) => runtime.Split('\n').Single(l => l.StartsWith(label, StringComparison.Ordinal));
        Assert.Contains(store, LineOf("libtorch:"));
        Assert.Contains("(bundled CPU)", LineOf("libtorch:"));
        Assert.Contains($"loaded {store}", runtime);
        Assert.Contains(Path.Combine(_dir, "native-cache"), LineOf("bridge:"));

        // A whole MambaIR-light x2 forward through libtorch and the CPU scan kernel.
        using (var report = JsonDocument.Parse(Tool("bench", "model", "--preset", "light-x2", "--size", "16x16", "--repeat", "1", "--json").Stdout))
        {
            var root = report.RootElement;
            Assert.Equal("cpu", root.GetProperty("Device").GetString());
            Assert.True(root.GetProperty("ScanCallsPerImage").GetInt32() > 0);
            Assert.True(root.GetProperty("MedianMs").GetDouble() > 0);
        }

        // Text rendering (SkiaSharp's native library) with the fonts shipped in the tool; nothing above _dir has fonts.
        string lmdb = Path.Combine(_dir, "tz");
        Tool("textzoom", "generate", "--out", lmdb, "--count", "2", "--seed", "1", "--difficulty", "easy");
        using (var reader = new LmdbReader(lmdb))
            Assert.Equal("2", Encoding.ASCII.GetString(reader.Get("num-samples")));

        Console.WriteLine($"tool package: packed in {packed.TotalSeconds:F0} s, installed and ran in {(clock.Elapsed - packed).TotalSeconds:F0} s; {new FileInfo(rid).Length / 1e6:F0} MB");
    }

    [Fact]
    public void HelpNamesTheCommandMambairWhenRunFromTheBuild()
    {
        // What ./mambair runs: `dotnet MambaIR.Cli.dll`, whose entry assembly is named MambaIR.Cli.
        string dll = Path.Combine(AppContext.BaseDirectory, "MambaIR.Cli.dll");
        var r = Start("dotnet", [dll, "restore", "--help"], _dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Usage:\n  mambair restore", r.Stdout.Replace("\r\n", "\n"));
        Assert.DoesNotContain("MambaIR.Cli", r.Stdout);
    }
}
