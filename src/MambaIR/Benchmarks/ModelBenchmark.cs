using System.Diagnostics;
using MambaIR.Models;
using MambaIR.Ops;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Benchmarks;

/// <summary>
/// Single-image latency of a whole network of any family (a preset of <see cref="NetworkPresets"/>, randomly initialised; weights do not change the cost) on CPU,
/// with the share of the time spent in the selective scan (timed around every scan call) versus everything else.
/// </summary>
public static class ModelBenchmark
{
    public sealed record Options(int Warmup = 1, int Repeat = 5, string? Backend = null, Device? Device = null);

    public sealed record Report(
        string Preset, int Height, int Width, string Backend, int Threads, string Machine, string Device,
        double MedianMs, double MinMs, double ScanMsPerImage, int ScanCallsPerImage)
    {
        /// <summary>Fraction of the forward spent inside the scan.</summary>
        public double ScanShare => ScanMsPerImage / MedianMs;
        public double RestMsPerImage => MedianMs - ScanMsPerImage;
    }

    public static Report Run(string preset, int height, int width, Options options)
    {
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"image size must be positive, got {height}x{width}");
        var config = NetworkPresets.Get(preset).Config;
        using var scope = NewDisposeScope();
        manual_seed(0);
        var device = options.Device ?? CPU;
        using var net = config.CreateNetwork();
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
            for (int i = 0; i < options.Warmup; i++) { using var s = NewDisposeScope(); Forward(); }
            scan.Reset();
            var timing = BenchmarkTimer.Measure(Forward, 0, options.Repeat);
            return new Report(preset, height, width, scan.Name, get_num_threads(),
                device.type == DeviceType.CUDA ? CudaDeviceName(device) : BenchmarkTimer.MachineDescription(), device.ToString(),
                timing.MedianMs, timing.MinMs, scan.Elapsed.TotalMilliseconds / options.Repeat, scan.Calls / options.Repeat);
        }
        finally { SelectiveScan.Forced = previous; }
    }

    static string CudaDeviceName(Device device) => $"CUDA device {Math.Max(0, (int)device.index)}";
}
