using MambaIR.Native;

namespace MambaIR.Tests;

/// <summary>Where the shared, read-only test data lives. Tests find <c>../shared</c> from the repository root.</summary>
public static class TestPaths
{
    /// <summary>The repository root (the folder holding MambaIR.NET.slnx).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary><c>../shared</c> beside the repository (or <c>MAMBAIR_SHARED_DIR</c>).</summary>
    public static string Shared => Environment.GetEnvironmentVariable("MAMBAIR_SHARED_DIR") is { Length: > 0 } s
        ? s : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    /// <summary>Reference vectors: <c>MAMBAIR_REFVEC_DIR</c>, default <c>../shared/refvec</c>.</summary>
    public static string RefVec => Environment.GetEnvironmentVariable("MAMBAIR_REFVEC_DIR") is { Length: > 0 } s
        ? s : Path.Combine(Shared, "refvec");

    /// <summary>
    /// Folders holding reference vectors of any family (MambaIR, MambaIRv2, MambaIRv2Light, MambaIRUNet): the folders
    /// listed in <c>MAMBAIR_REFVEC_DIR</c> (separated by the path separator), default <c>../shared/refvec</c> and
    /// <c>../shared/refvec-v2</c>.
    /// </summary>
    public static IReadOnlyList<string> RefVecDirs => Environment.GetEnvironmentVariable("MAMBAIR_REFVEC_DIR") is { Length: > 0 } s
        ? s.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        : [Path.Combine(Shared, "refvec"), Path.Combine(Shared, "refvec-v2")];

    public static string Benchmarks => Path.Combine(Shared, "benchmarks");

    /// <summary>A fresh empty folder under the system temp folder; deleted by the caller or left for the OS.</summary>
    public static string NewTempDir(string prefix = "mambair-test")
    {
        string d = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(d);
        return d;
    }

    static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "MambaIR.NET.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root (MambaIR.NET.slnx) not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Initialises libtorch once for the whole test assembly.</summary>
public sealed class TorchFixture
{
    public TorchFixture() => TorchRuntime.EnsureInitialized();
}

[CollectionDefinition("torch")]
public sealed class TorchCollection : ICollectionFixture<TorchFixture> { }

/// <summary>
/// Tests that need libtorch's global random generator to themselves (bit-identical training runs and resumes): run
/// alone, since any test building a network in parallel draws from the same generator.
/// </summary>
[CollectionDefinition("global-rng", DisableParallelization = true)]
public sealed class GlobalRngCollection : ICollectionFixture<TorchFixture> { }

/// <summary>Tests that set the process-wide CUDA scan variant or segmentation overrides run alone.</summary>
[CollectionDefinition("cuda-variant", DisableParallelization = true)]
public sealed class CudaVariantCollection { }
