using System.Text.Json;
using MambaIR.Native;

namespace MambaIR.Tests.Native;

/// <summary>A fact that runs where jemalloc is installed (scripts/install-deps.sh installs Debian's libjemalloc2), skipped elsewhere.</summary>
public sealed class JemallocFactAttribute : FactAttribute
{
    public JemallocFactAttribute()
    {
        if (ProcessAllocator.InstalledJemalloc() is null) Skip = "jemalloc is not installed (apt-get install libjemalloc2; scripts/install-deps.sh does)";
    }
}

/// <summary>Runs alone: one test makes the launcher build the CLI, which would disturb tests that measure time or memory.</summary>
[CollectionDefinition("launcher", DisableParallelization = true)]
public sealed class LauncherCollection { }

/// <summary>
/// Which malloc serves the process, read from its mappings, and the <c>mambair</c> launcher that preloads jemalloc: checked
/// on real child processes (their own /proc/self/maps, the launcher's runtime and benchmark reports).
/// </summary>
[Collection("launcher")]
public class ProcessAllocatorTests
{
    static string Launcher => Path.Combine(TestPaths.RepoRoot, "mambair");

    /// <summary>The mappings of a child `cat /proc/self/maps`, with LD_PRELOAD set to <paramref name="preload"/> or removed.</summary>
    static string[] ChildMaps(string? preload)
    {
        var r = ChildProcess.Run("cat", ["/proc/self/maps"], Path.GetTempPath(), [new("LD_PRELOAD", preload)]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Split('\n');
    }

    [Fact]
    public void A_process_without_a_preloaded_malloc_uses_glibc()
    {
        var (kind, path) = ProcessAllocator.FromMaps(ChildMaps(null));
        Assert.Equal(MallocImplementation.Glibc, kind);
        Assert.Null(path);
    }

    [JemallocFact]
    public void A_process_preloading_jemalloc_is_read_as_jemalloc()
    {
        var (kind, path) = ProcessAllocator.FromMaps(ChildMaps(ProcessAllocator.InstalledJemalloc()));
        Assert.Equal(MallocImplementation.Jemalloc, kind);
        Assert.Equal("libjemalloc.so.2", Path.GetFileName(path));
        Assert.True(File.Exists(path), path);
    }

    static KeyValuePair<string, string?> Env(string name, string? value) => new(name, value);

    static ChildProcess.Result Mambair(string[] args, params KeyValuePair<string, string?>[] env)
    {
        // LD_PRELOAD and MALLOC_CONF of the test host's own environment are not the launcher's business here.
        var all = new List<KeyValuePair<string, string?>> { new("LD_PRELOAD", null), new("MALLOC_CONF", null) };
        all.AddRange(env);
        var r = ChildProcess.Run(Launcher, args, TestPaths.RepoRoot, all, timeoutSeconds: 300);
        Assert.True(r.ExitCode == 0, $"mambair {string.Join(' ', args)}: {r}");
        return r;
    }

    [JemallocFact]
    public void The_launcher_preloads_jemalloc_with_decay_off_unless_told_otherwise()
    {
        var preloaded = Mambair(["runtime"]).Stdout;
        Assert.Matches(@"malloc: jemalloc 5\.\d+\.\d+ \(/\S+/libjemalloc\.so\.2\), MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1", preloaded);
        Assert.DoesNotContain("malloc: glibc", preloaded);

        var own = Mambair(["runtime"], Env("MALLOC_CONF", "narenas:2")).Stdout;
        Assert.Contains("MALLOC_CONF=narenas:2", own);

        var glibc = Mambair(["runtime"], Env("MAMBAIR_MALLOC", "glibc")).Stdout;
        Assert.Contains("malloc: glibc, no mmap for large blocks", glibc);
        Assert.Contains("jemalloc is installed: LD_PRELOAD=", glibc);
        Assert.DoesNotContain("malloc: jemalloc", glibc);
    }

    [JemallocFact]
    public void Bench_model_reports_the_malloc_and_a_peak_under_the_launcher()
    {
        var r = Mambair(["bench", "model", "--preset", "light-x2", "--size", "32", "--repeat", "1", "--warmup", "0", "--threads", "1", "--json"]);
        using var json = JsonDocument.Parse(r.Stdout);
        Assert.StartsWith("jemalloc 5.", json.RootElement.GetProperty("Malloc").GetString());
        Assert.True(json.RootElement.GetProperty("PeakResidentBytes").GetInt64() > json.RootElement.GetProperty("BaselineResidentBytes").GetInt64(), r.Stdout);
    }

    /// <summary>
    /// The memory probe that sizes `--tile auto`'s tiles, as users run it (the launcher, jemalloc, a fresh process each time):
    /// its per-pixel estimate for the bundled MambaIR-light ×2 must be repeatable and not below 1 kB per pixel (the scan's own
    /// buffers alone are more). With 16² and 24² inputs it read 0.5–3.8 kB per pixel in five such runs; an estimate too low
    /// picks tiles that do not fit the budget.
    /// </summary>
    [JemallocFact]
    public void The_memory_estimate_of_a_restore_is_repeatable_across_processes()
    {
        string image = Path.Combine(TestPaths.RepoRoot, "tests", "MambaIR.Tests", "Imaging", "Fixtures", "butterfly96_cvtcolor.png");
        var perPixel = new List<double>();
        for (int i = 0; i < 3; i++)
        {
            string output = Path.Combine(Path.GetTempPath(), $"mambair-probe-{Guid.NewGuid():N}");
            try
            {
                var r = Mambair(["restore", image, "-o", output, "--threads", "2"]);
                var m = System.Text.RegularExpressions.Regex.Match(r.Stdout + r.Stderr, @"~([0-9.]+) kB/pixel");
                Assert.True(m.Success, r.ToString());
                perPixel.Add(double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
            finally { if (Directory.Exists(output)) Directory.Delete(output, true); }
        }
        string all = string.Join(", ", perPixel.Select(v => $"{v:F1}"));
        Assert.True(perPixel.Min() >= 1.0, $"estimates {all} kB/pixel: one is below the scan's own buffers");
        Assert.True(perPixel.Max() <= 1.6 * perPixel.Min(), $"estimates {all} kB/pixel differ by more than 1.6×");
    }

    [Fact]
    public void The_launcher_builds_once_after_a_change_inside_the_library()
    {
        // A library-only change leaves MambaIR.Cli.dll as it was (its reference assembly does not change); the launcher
        // compares the sources with that file, so unless it marks the build done it builds again on every run.
        string source = Path.Combine(TestPaths.RepoRoot, "src", "MambaIR", "Native", "ProcessAllocator.cs");
        var written = File.GetLastWriteTimeUtc(source);
        try
        {
            File.SetLastWriteTimeUtc(source, DateTime.UtcNow);
            var first = Mambair(["--version"]);
            Assert.Contains("mambair: building", first.Stderr);
            var second = Mambair(["--version"]);
            Assert.DoesNotContain("building", second.Stderr);
            Assert.Equal(first.Stdout, second.Stdout);
        }
        finally { File.SetLastWriteTimeUtc(source, written); }
    }
}
