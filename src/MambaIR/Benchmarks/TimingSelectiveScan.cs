using System.Diagnostics;
using MambaIR.Ops;

namespace MambaIR.Benchmarks;

/// <summary>
/// Wraps a scan backend and adds up the wall time spent inside it, so a whole-network run can report the share of
/// time in the scan. Install it with <see cref="SelectiveScan.Forced"/> on the thread that runs the network.
/// With <paramref name="synchronize"/> (for CUDA, whose launches return before the work is done) the device is
/// synchronised before and after each call, so the time is the scan's own; that removes overlap, so time whole runs
/// without it. When the inner backend has a fused four-direction form, that is timed too (it includes SS2D's x_proj
/// and dt_proj).
/// </summary>
public sealed class TimingSelectiveScan(ISelectiveScan inner, bool synchronize = false) : ISelectiveScan, IFourWaySelectiveScan
{
    long _ticks;

    public string Name => inner.Name;
    public bool CanRun(SelectiveScanInputs inputs) => inner.CanRun(inputs);

    /// <summary>Number of scan calls since the last <see cref="Reset"/>.</summary>
    public int Calls { get; private set; }
    /// <summary>Time inside the scan since the last <see cref="Reset"/>.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(0, _ticks);

    public void Reset() { _ticks = 0; Calls = 0; }

    public SelectiveScanResult Run(SelectiveScanInputs inputs)
    {
        if (synchronize) TorchSharp.torch.cuda.synchronize();
        long start = Stopwatch.GetTimestamp();
        try
        {
            var r = inner.Run(inputs);
            if (synchronize) TorchSharp.torch.cuda.synchronize();
            return r;
        }
        finally { _ticks += Stopwatch.GetTimestamp() - start; Calls++; }
    }

    public bool CanRunFourWays(FourWayScanInputs inputs) => inner is IFourWaySelectiveScan f && f.CanRunFourWays(inputs);

    public TorchSharp.torch.Tensor RunFourWays(FourWayScanInputs inputs)
    {
        if (synchronize) TorchSharp.torch.cuda.synchronize();
        long start = Stopwatch.GetTimestamp();
        try
        {
            var r = ((IFourWaySelectiveScan)inner).RunFourWays(inputs);
            if (synchronize) TorchSharp.torch.cuda.synchronize();
            return r;
        }
        finally { _ticks += Stopwatch.GetTimestamp() - start; Calls++; }
    }
}
