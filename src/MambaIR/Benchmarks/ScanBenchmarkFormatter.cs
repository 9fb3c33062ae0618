using System.Text;

namespace MambaIR.Benchmarks;

/// <summary>Plain-text tables of benchmark reports, shared by the CLI and the bench app.</summary>
public static class ScanBenchmarkFormatter
{
    public static string Format(ScanBenchmark.Report r)
    {
        var sb = new StringBuilder();
        sb.AppendLine(r.VectorBits > 0 ? $"selective scan, {r.ShapeDescription}, {r.Dtype}, {r.VectorBits}-bit vectors" : $"selective scan, {r.ShapeDescription}, {r.Dtype}");
        sb.AppendLine($"  machine: {r.Machine}");
        sb.AppendLine($"  FLOPs {r.FlopModel}; {r.StateUpdates / 1e6:F1} M updates per call");
        sb.AppendLine($"  {"backend",-10} {"threads",7} {"fwd ms",9} {"GFLOP/s",8} {"fwd+bwd ms",11} {"GFLOP/s",8} {"bwd/fwd",8} {"peak MB",8}");
        foreach (var m in r.Kernel.Append(r.Reference).OfType<ScanBenchmark.Measurement>())
            sb.AppendLine($"  {m.Backend,-10} {m.Threads,7} {m.ForwardMs,9:F3} {m.ForwardGflops,8:F2} {Opt(m.ForwardBackwardMs, "F3"),11} {Opt(m.ForwardBackwardGflops, "F2"),8} {Opt(m.BackwardMs / m.ForwardMs, "F2"),8} {Opt(m.PeakDeviceMemoryMb, "F0"),8}");
        if (r.ForwardSpeedup is { } fs)
            sb.AppendLine($"  speed-up over the reference: forward ×{fs:F0}" + (r.ForwardBackwardSpeedup is { } fb ? $", forward+backward ×{fb:F0}" : ""));
        return sb.ToString();
    }

    static string Opt(double? v, string format) => v is { } x ? x.ToString(format) : "-";
}
