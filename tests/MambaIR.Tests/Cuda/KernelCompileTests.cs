using MambaIR.Native;
using MambaIR.Native.Cuda;
using MambaIR.Ops.Cuda;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MambaIR.Tests.Cuda;

/// <summary>The kernel source compiles with NVRTC for Hopper in every configuration the backend uses (no GPU needed, only NVRTC).</summary>
public class KernelCompileTests(ITestOutputHelper log)
{
    [NvrtcFact]
    public void EveryConfigurationCompilesForSm90WithoutRealSpills()
    {
        TorchRuntime.EnsureInitialized();
        var nvrtc = Nvrtc.TryLoad(NvrtcLocator.Candidates(Environment.GetEnvironmentVariable(NvrtcLocator.EnvironmentVariable), TorchRuntime.LibTorchDirectory), out _)!;
        var variants = new[] { "global-u2", "global-u1", "smem-u1", "smem-u2", "lanes-s1", "lanes-s2", "lanes-s4", "lanes", "chan" }.Select(CudaScanVariant.Parse).ToList();
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
            foreach (int n in new[] { 1, 10, 16, 17, 64 })
            foreach (var variant in n is 10 or 16 ? variants : variants.Where(v => v.ToString() is "global-u2" or "lanes-s1" or "lanes-s4" or "lanes" or "chan").ToList())
            {
                int items = CudaScanKernels.ItemsFor(n, dtype == ScalarType.Float64 ? 8 : 4);
                var opts = CudaScanKernels.Options(dtype, n, items, variant).Append("--ptxas-options=-v").ToList();
                var output = nvrtc.Compile(CudaScanKernels.Source, CudaScanKernels.Label(dtype, n, items, variant) + ".cu", 90, opts);
                Assert.True(output.Image.Length > 1000, "empty image");
                log.WriteLine($"{dtype} N={n} items={items} {variant} cubin={output.IsCubin}: {output.Log.Replace('\n', ' ')}");
                // Local-memory spills would put the recurrence on memory; a few bytes (float64, N = 1) are harmless.
                foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(output.Log, @"(\d+) bytes spill stores"))
                    Assert.True(int.Parse(m.Groups[1].Value) <= 64, $"{dtype} N={n} {variant}: {m.Value}");
            }
    }
}

/// <summary>The multi-tensor optimiser/EMA kernels compile with NVRTC for Hopper in both dtypes (no GPU needed).</summary>
public class MultiTensorKernelCompileTests(ITestOutputHelper log)
{
    [NvrtcFact]
    public void CompilesForSm90InBothDtypes()
    {
        TorchRuntime.EnsureInitialized();
        var nvrtc = Nvrtc.TryLoad(NvrtcLocator.Candidates(Environment.GetEnvironmentVariable(NvrtcLocator.EnvironmentVariable), TorchRuntime.LibTorchDirectory), out _)!;
        foreach (var d in new[] { 0, 1 })
        {
            var output = nvrtc.Compile(MambaIR.Training.Optimization.MultiTensorKernels.SourceText, $"multitensor-{d}.cu", 90, [$"-DSCALAR_DOUBLE={d}", "--ptxas-options=-v"]);
            Assert.True(output.Image.Length > 1000, "empty image");
            log.WriteLine(output.Log.Replace('\n', ' '));
        }
    }
}
