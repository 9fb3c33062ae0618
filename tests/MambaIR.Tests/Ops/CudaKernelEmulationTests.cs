using System.Diagnostics;
using System.Text.RegularExpressions;
using MambaIR.Ops.Cuda;
using Xunit.Abstractions;

namespace MambaIR.Tests.Ops;

/// <summary>A fact that runs where a C++20 compiler (<c>g++</c>) is on the PATH (scripts/install-deps.sh installs one for CI).</summary>
public sealed class GxxFactAttribute : FactAttribute
{
    public GxxFactAttribute() { if (CudaKernelEmulationTests.Gxx is null) Skip = "no g++ on the PATH"; }
}

/// <summary>
/// The CUDA C of the channel-per-thread kernels run on the CPU: the channel forward (the float32 default: outputs, last
/// state and checkpoints, with and without z, one to three segments) and the four-way SS2D kernel.
/// <para>
/// The four-way SS2D kernel's CUDA C — the text NVRTC compiles (<see cref="CudaScanKernels.Source"/>) — run on the CPU
/// (Cuda/Emulation/host.h: a thread per CUDA thread, a barrier per <c>__syncthreads</c>, cp.async as a plain copy,
/// ex2.approx as exp2f) against a float64 reference of the official construction written from its definition
/// (Cuda/Emulation/fourway_test.cpp): H ≠ W, one pixel, N = 1, 10, 16, dt rank 1 to 16, channels not a multiple of the
/// block, blocks of 32, 64 and 128 channels, one to four segments (summary pass, segment starts, final pass), and the
/// epilogue (the merge, out_norm and SiLU(z) of a strided z, mambair_fourway_norm_gate) after it. It checks
/// the kernel's indexing, staging and segments on any machine; the GPU tests (Cuda/CudaFourWayScanTests) check it on a GPU.
/// </para>
/// </summary>
public class CudaKernelEmulationTests(ITestOutputHelper log)
{
    internal static string? Gxx { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
        .Select(d => Path.Combine(d, "g++")).FirstOrDefault(File.Exists);

    /// <summary>The kernel source with its PTX helpers as host code.</summary>
    internal static string HostSource()
    {
        string src = CudaScanKernels.Source;
        (string Pattern, string Host)[] helpers =
        [
            (@"__device__ __forceinline__ float ex2_ftz\(float x\) \{[^\n]*\}", "inline float ex2_ftz(float x) { return exp2f(x); }"),
            (@"__device__ __forceinline__ void cp_async4\(float\* dst, const float\* src\)\s*\{.*?\n\}", "inline void cp_async4(float* dst, const float* src) { *dst = *src; }"),
            (@"__device__ __forceinline__ void cp_async_commit\(\) \{[^\n]*\}", "inline void cp_async_commit() {}"),
            (@"__device__ __forceinline__ void cp_async_wait_all\(\) \{[^\n]*\}", "inline void cp_async_wait_all() {}"),
        ];
        foreach (var (pattern, host) in helpers)
        {
            var re = new Regex(pattern, RegexOptions.Singleline);
            Assert.True(re.Matches(src).Count == 1, $"the kernel source should define exactly one helper matching {pattern}");
            src = re.Replace(src, host.Replace("$", "$$"));
        }
        return src.Replace("extern \"C\"", "");
    }

    [GxxFact]
    public void FourWayKernelMatchesTheFloat64ReferenceOnTheCpu() =>
        //           B  H  W   D  R  segment steps
        Emulate("fourway_test.cpp", "the emulated kernel",
            [(16, 64), (16, 128), (16, 32), (10, 64), (10, 128), (1, 64)],
            ["1 1 1 8 1 0", "1 5 7 12 2 0", "2 9 11 5 3 64", "1 13 6 70 4 0", "1 13 6 70 4 20", "1 3 40 7 16 64", "1 17 23 40 12 128"],
            (n, block) => $"-DCHECK_GATE={(n == 16 && block == 64 ? 1 : 0)}");

    [GxxFact]
    public void ChannelForwardMatchesTheFloat64ReferenceOnTheCpu() =>
        //          BT DM   L   G  windows per segment  z
        Emulate("chan_test.cpp", "the emulated channel forward",
            [(16, 64), (16, 128), (10, 64), (1, 32)],
            ["1 4 1 1 0 0", "2 8 37 4 0 1", "1 4 300 1 1 0", "2 8 257 4 1 1", "1 10 1100 1 2 1", "1 70 600 1 0 0", "2 140 520 2 1 1"],
            (_, _) => "");

    /// <summary>
    /// Builds <paramref name="driver"/> (Cuda/Emulation) against the host form of the kernel source for each (N, block) of
    /// <paramref name="configs"/>, with <paramref name="defines"/> added, and runs it on every shape; each run must exit 0.
    /// </summary>
    void Emulate(string driver, string what, (int N, int Block)[] configs, string[] shapes, Func<int, int, string> defines)
    {
        string dir = TestPaths.NewTempDir("mambair-emulate");
        try
        {
            File.WriteAllText(Path.Combine(dir, "src.cu"), HostSource());
            foreach (var f in new[] { "host.h", driver })
                File.Copy(Path.Combine(TestPaths.RepoRoot, "tests", "MambaIR.Tests", "Cuda", "Emulation", f), Path.Combine(dir, f));
            foreach (var (n, block) in configs)
            {
                string exe = Path.Combine(dir, $"{Path.GetFileNameWithoutExtension(driver)}-{n}-{block}");
                Run(Gxx!, $"-std=c++20 -O1 -pthread -w -I{dir} -DSCALAR_DOUBLE=0 -DNSTATE={n} -DITEMS=8 -DROWS_MAX=4 -DCHAN=1 " +
                          $"-DCHAN_BLOCK={block} -DCHAN_WINDOW=64 {defines(n, block)} {Path.Combine(dir, driver)} -o {exe}", "compiling");
                foreach (var s in shapes) Run(exe, s, what);
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    void Run(string file, string args, string what)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(120_000), $"{what} ({args}) did not finish in 2 minutes");
        if (stdout.Length > 0) log.WriteLine(stdout.TrimEnd());
        Assert.True(p.ExitCode == 0, $"{what} ({args}) failed with {p.ExitCode}: {stdout}{stderr.Result}");
    }
}
