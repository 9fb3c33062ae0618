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
    public void EveryConfigurationCompilesWithoutSpillsForSm90()
    {
        TorchRuntime.EnsureInitialized();
        var nvrtc = Nvrtc.TryLoad(NvrtcLocator.Candidates(Environment.GetEnvironmentVariable(NvrtcLocator.EnvironmentVariable), TorchRuntime.LibTorchDirectory), out _)!;
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
            foreach (int n in new[] { 1, 10, 16, 17, 64 })
            {
                int items = CudaScanKernels.ItemsFor(n, dtype == ScalarType.Float64 ? 8 : 4);
                var opts = CudaScanKernels.Options(dtype, n, items).Append("--ptxas-options=-v").ToList();
                var output = nvrtc.Compile(ScanKernelSource.Text, CudaScanKernels.Label(dtype, n, items) + ".cu", 90, opts);
                Assert.True(output.Image.Length > 1000, "empty image");
                log.WriteLine($"{dtype} N={n} items={items} cubin={output.IsCubin}: {output.Log.Replace('\n', ' ')}");
                Assert.DoesNotContain("spill stores", output.Log.Replace("0 bytes spill stores", ""), StringComparison.Ordinal);
            }
    }
}
