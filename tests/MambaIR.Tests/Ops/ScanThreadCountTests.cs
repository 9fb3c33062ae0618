using MambaIR.Native;
using MambaIR.Ops;
using static TorchSharp.torch;

namespace MambaIR.Tests.Ops;

/// <summary>
/// The CPU scan kernels give bit-identical results on 1 and 2 threads. These tests change libtorch's process-wide thread
/// count, so they run alone (a test running beside them would see its thread count change under it).
/// </summary>
[Collection("threads")]
public class ScanThreadCountTests
{
    public ScanThreadCountTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void UnfusedScanResultsDoNotDependOnTheThreadCount()
    {
        using var scope = NewDisposeScope();
        var x = CpuScanTests.Cast(CpuScanTests.Random(2, 16, 80, 16, 4, z: true, bias: true, softplus: true, last: false), ScalarType.Float32);
        int before = get_num_threads();
        try
        {
            set_num_threads(1);
            var one = new CpuSelectiveScan().Run(x).Output;
            set_num_threads(2);
            var two = new CpuSelectiveScan().Run(x).Output;
            CpuScanTests.AssertClose(one, two, 0, "out");
        }
        finally { set_num_threads(before); }
    }

    [Fact]
    public void FusedScanResultsDoNotDependOnTheThreadCount()
    {
        using var scope = NewDisposeScope();
        var x = FusedSs2dTests.Random(2, 12, 9, 40, 16, 3, ScalarType.Float32, seed: 6);
        int before = get_num_threads();
        try
        {
            set_num_threads(1);
            var one = new CpuSelectiveScan().RunFourWays(x);
            set_num_threads(2);
            var two = new CpuSelectiveScan().RunFourWays(x);
            CpuScanTests.AssertClose(one, two, 0, "y");
        }
        finally { set_num_threads(before); }
    }
}

/// <summary>Tests that change libtorch's thread count: run alone.</summary>
[CollectionDefinition("threads", DisableParallelization = true)]
public sealed class ThreadCountCollection { }
