using System.Diagnostics;
using MambaIR.Models;
using MambaIR.Native;
using MambaIR.Ops;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Benchmarks;

/// <summary>
/// Single-image latency of a whole MambaIR network (randomly initialised; weights do not change the cost) on CPU,
/// with the share of the time spent in the selective scan (timed around every scan call) versus everything else, the
/// process's CPU time in user and system mode per image, and its peak resident memory (CPU runs, Linux).
/// </summary>
public static class ModelBenchmark
{
    public sealed record Options(int Warmup = 1, int Repeat = 5, string? Backend = null, Device? Device = null);

    public sealed record Report(
        string Preset, int Height, int Width, string Backend, int Threads, string Machine, string Device,
        double MedianMs, double MinMs, double ScanMsPerImage, int ScanCallsPerImage,
        double UserCpuMsPerImage, double SystemCpuMsPerImage, double? MinorFaultsPerImage,
        long? BaselineResidentBytes, long? PeakResidentBytes)
    {
        /// <summary>Fraction of the forward spent inside the scan.</summary>
        public double ScanShare => ScanMsPerImage / MedianMs;
        public double RestMsPerImage => MedianMs - ScanMsPerImage;
        /// <summary>System CPU time over user CPU time (page faults, memory mapping: should be small).</summary>
        public double SystemOverUser => UserCpuMsPerImage > 0 ? SystemCpuMsPerImage / UserCpuMsPerImage : 0;
        /// <summary>Peak resident set during the measured forwards above the resident set before them (network built,
        /// runtime warmed up on a small input): the memory a forward of this size needs beyond the weights.</summary>
        public long? PeakAboveBaselineBytes => PeakResidentBytes - BaselineResidentBytes;
        public double? PeakBytesPerInputPixel => PeakAboveBaselineBytes / (double)((long)Height * Width);
    }

    public static Report Run(string preset, int height, int width, Options options)
    {
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"image size must be positive, got {height}x{width}");
        var config = MambaIRPresets.Get(preset).Config;
        using var scope = NewDisposeScope();
        manual_seed(0);
        var device = options.Device ?? CPU;
        using var net = new MambaIRNet(config);
        net.to(device).eval();
        var image = rand(1, config.InChans, height, width).to(device);
        // On CUDA, reading one value back waits for the queued kernels, so the time is the forward's, not its launch.
        void Forward() { var y = net.forward(image); if (device.type == DeviceType.CUDA) y.sum().item<float>(); }
        var scan = new TimingSelectiveScan(options.Backend is null ? SelectiveScan.ChooseFor(device, ScalarType.Float32) : SelectiveScan.ByName(options.Backend));
        var previous = SelectiveScan.Forced;
        SelectiveScan.Forced = scan;
        try
        {
            using var _ = no_grad();
            // The baseline: the network built and every code path compiled once on a small input, so that the peak above it
            // is what an image of this size needs (not the JIT, thread pools or weights).
            using (NewDisposeScope()) net.forward(rand(1, config.InChans, Math.Min(height, 16), Math.Min(width, 16)).to(device));
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long? baseline = ProcessResources.Now().ResidentBytes;
            bool peakReset = ProcessResources.ResetPeak();
            for (int i = 0; i < options.Warmup; i++) { using var s = NewDisposeScope(); Forward(); }
            scan.Reset();
            var before = ProcessResources.Now();
            var timing = BenchmarkTimer.Measure(Forward, 0, options.Repeat);
            var after = ProcessResources.Now();
            double PerImage(TimeSpan t) => t.TotalMilliseconds / options.Repeat;
            return new Report(preset, height, width, scan.Name, get_num_threads(),
                device.type == DeviceType.CUDA ? CudaDeviceName(device) : BenchmarkTimer.MachineDescription(), device.ToString(),
                timing.MedianMs, timing.MinMs, scan.Elapsed.TotalMilliseconds / options.Repeat, scan.Calls / options.Repeat,
                PerImage(after.UserTime - before.UserTime), PerImage(after.SystemTime - before.SystemTime),
                (after.MinorFaults - before.MinorFaults) / (double)options.Repeat,
                peakReset ? baseline : null, peakReset ? after.PeakResidentBytes : null);
        }
        finally { SelectiveScan.Forced = previous; }
    }

    static string CudaDeviceName(Device device) => $"CUDA device {Math.Max(0, (int)device.index)}";
}
