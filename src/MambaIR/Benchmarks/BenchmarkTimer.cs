using System.Diagnostics;
using static TorchSharp.torch;

namespace MambaIR.Benchmarks;

/// <summary>Wall-clock timing: warm-up runs, then the median (and minimum) of repeated runs, each in its own dispose scope.</summary>
public static class BenchmarkTimer
{
    public sealed record Timing(double MedianMs, double MinMs, int Runs);

    public static Timing Measure(Action run, int warmup, int repeat)
    {
        if (repeat < 1) throw new ArgumentOutOfRangeException(nameof(repeat), repeat, "repeat must be at least 1");
        for (int i = 0; i < warmup; i++) { using var scope = NewDisposeScope(); run(); }
        var ms = new double[repeat];
        for (int i = 0; i < repeat; i++)
        {
            using var scope = NewDisposeScope();
            var sw = Stopwatch.StartNew();
            run();
            ms[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(ms);
        double median = repeat % 2 == 1 ? ms[repeat / 2] : (ms[repeat / 2 - 1] + ms[repeat / 2]) / 2;
        return new Timing(median, ms[0], repeat);
    }

    /// <summary>A one-line description of the machine: CPU model, logical cores, SIMD widths the scan kernel can use.</summary>
    public static string MachineDescription()
    {
        string cpu = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException) { }
        return $"{cpu}, {Environment.ProcessorCount} logical cores, SIMD {string.Join("/", Ops.CpuSelectiveScan.HardwareVectorBits)}-bit";
    }
}
