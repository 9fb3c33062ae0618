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
