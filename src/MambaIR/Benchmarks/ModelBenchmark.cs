using MambaIR.Training.Optimization;
using MambaIR.Training.Options;
using MambaIR.Models;
using MambaIR.Native;
using MambaIR.Native.Cuda;
using MambaIR.Ops;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Benchmarks;

/// <summary>
/// Latency of a whole network of any family (a preset of <see cref="NetworkPresets"/>, randomly initialised; weights do
/// not change the cost): one image's forward with the share of the time spent in the selective scan, or one training
/// step (forward, L1 loss, backward, Adam update) on a batch of patches. On CUDA every timed run ends by waiting for the
/// device, TF32 is off unless asked for (float32 means float32, as in the official figures), and the peak device memory
/// is reported. On the CPU a forward also reports the process's CPU time in user and system mode per image and its peak
/// resident memory (Linux).
/// </summary>
public static class ModelBenchmark
{
    /// <param name="Warmup">Untimed runs first (on CUDA these also compile/load the scan kernels and tune cuDNN).</param>
    /// <param name="Tf32">TF32 matrix products and convolutions on CUDA: allowed (true), not (false, the default), or libtorch's own
    /// setting (null).</param>
    /// <param name="DType">The type the network runs in (bfloat16/float16: reduced precision, the scan in float32).</param>
    public sealed record Options(int Warmup = 1, int Repeat = 5, string? Backend = null, Device? Device = null, bool? Tf32 = false,
        ScalarType DType = ScalarType.Float32);

    /// <param name="Malloc">CPU only: the malloc serving the process and its settings (<see cref="ProcessAllocator.Describe"/>).</param>
    /// <param name="PeakDeviceMemoryMb">CUDA only: growth of the device memory in use from before the network was built to the end (libtorch's caching allocator keeps its peak reservation).</param>
    public sealed record Report(
        string Preset, int Height, int Width, string Backend, int Threads, string Machine, string Device,
        double MedianMs, double MinMs, double ScanMsPerImage, int ScanCallsPerImage,
        double UserCpuMsPerImage, double SystemCpuMsPerImage, double? MinorFaultsPerImage,
        long? BaselineResidentBytes, long? PeakResidentBytes, double? PeakDeviceMemoryMb = null, string DType = "float32", string? Tf32 = null,
        string? Malloc = null)
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

    public sealed record TrainReport(
        string Preset, int Batch, int Patch, string Backend, string Machine, string Device,
        double MedianMs, double MinMs, int Runs, double? PeakDeviceMemoryMb, string? Tf32 = null, string DType = "float32",
        string? CudnnAutotune = null);

    public static Report Run(string preset, int height, int width, Options options)
    {
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"image size must be positive, got {height}x{width}");
        var config = NetworkPresets.Get(preset).Config;
        var device = options.Device ?? CPU;
        bool isCuda = device.type == DeviceType.CUDA;
        using var precision = isCuda ? Tf32Mode.Set(options.Tf32) : null;
        long? baseline = BaselineMemory(device);
        using var scope = NewDisposeScope();
        manual_seed(0);
        using var net = config.CreateNetwork();
        net.to(options.DType).to(device).eval();
        var inputType = MixedPrecision.ImageType(options.DType);
        var image = rand(1, config.InChans, height, width).to(inputType).to(device);
        // On CUDA, reading one value back waits for the queued kernels, so the time is the forward's, not its launch.
        void Forward() { var y = net.forward(image); if (isCuda) y.sum().item<float>(); }
        var backend = options.Backend is null ? SelectiveScan.ChooseFor(device, ScalarType.Float32) : SelectiveScan.ByName(options.Backend);
        var previous = SelectiveScan.Forced;
        try
        {
            using var _ = no_grad();
            var scan = new TimingSelectiveScan(backend, synchronize: isCuda);
            BenchmarkTimer.Timing timing;
            ProcessResources before, after;
            long? restingBytes = null;
            bool peakReset = false;
            if (isCuda)
            {
                // Whole forwards without the scan timer's synchronisation, then separate runs for the scan's share.
                SelectiveScan.Forced = backend;
                WarmUp(Forward, options.Warmup);
                before = ProcessResources.Now();
                timing = BenchmarkTimer.Measure(Forward, 0, options.Repeat);
                after = ProcessResources.Now();
                SelectiveScan.Forced = scan;
                BenchmarkTimer.Measure(Forward, 0, options.Repeat);
            }
            else
            {
                SelectiveScan.Forced = scan;
                // The resting set: the network built and every code path compiled once on a small input, so that the peak
                // above it is what an image of this size needs (not the JIT, thread pools or weights).
                using (NewDisposeScope()) net.forward(rand(1, config.InChans, Math.Min(height, 16), Math.Min(width, 16)).to(inputType).to(device));
                GC.Collect();
                GC.WaitForPendingFinalizers();
                ProcessAllocator.ReleaseFreeMemory(); // what the small forward freed is not part of the resting set
                restingBytes = ProcessResources.Now().ResidentBytes;
                peakReset = ProcessResources.ResetPeak();
                for (int i = 0; i < options.Warmup; i++) { using var s = NewDisposeScope(); Forward(); }
                scan.Reset();
                before = ProcessResources.Now();
                timing = BenchmarkTimer.Measure(Forward, 0, options.Repeat);
                after = ProcessResources.Now();
            }
            double PerImage(TimeSpan t) => t.TotalMilliseconds / options.Repeat;
            return new Report(preset, height, width, scan.Name, get_num_threads(),
                isCuda ? CudaDeviceInfo.Describe(device) : BenchmarkTimer.MachineDescription(), device.ToString(),
                timing.MedianMs, timing.MinMs, scan.Elapsed.TotalMilliseconds / options.Repeat, scan.Calls / options.Repeat,
                PerImage(after.UserTime - before.UserTime), PerImage(after.SystemTime - before.SystemTime),
                (after.MinorFaults - before.MinorFaults) / (double)options.Repeat,
                peakReset ? restingBytes : null, peakReset ? after.PeakResidentBytes : null,
                PeakMb(device, baseline), options.DType.ToString().ToLowerInvariant(), isCuda ? Tf32Name(options.Tf32) : null,
                isCuda ? null : ProcessAllocator.Describe());
        }
        finally { SelectiveScan.Forced = previous; }
    }

    /// <summary>
    /// One training step as BasicSR runs it, with the trainer's optimiser (<see cref="AdamOptimizer"/>: multi-tensor kernels
    /// on CUDA): Adam (lr 2e-4, betas 0.9/0.99) zero-grad, forward of a batch of <paramref name="patch"/>×<paramref name="patch"/>
    /// low-resolution patches, L1 loss against the upscaled target, backward, update.
    /// </summary>
    public static TrainReport RunTrainStep(string preset, int batch, int patch, Options options)
    {
        if (batch < 1 || patch < 1) throw new ArgumentOutOfRangeException(nameof(batch), $"batch and patch must be positive, got {batch} and {patch}");
        var config = NetworkPresets.Get(preset).Config;
        var device = options.Device ?? CPU;
        bool isCuda = device.type == DeviceType.CUDA;
        using var precision = isCuda ? Tf32Mode.Set(options.Tf32) : null;
        string? autotune = isCuda ? CudnnAutotune.ForTraining() : null; // as the trainer runs
        long? baseline = BaselineMemory(device);
        using var scope = NewDisposeScope();
        manual_seed(0);
        using var net = config.CreateNetwork();
        net.to(device).train();
        // DType bfloat16: mixed precision as the trainer runs it (float32 master weights, a bfloat16 compute copy).
        using var mixed = SelectiveScan.IsReduced(options.DType) ? new MasterWeights(net, config.CreateNetwork(), options.DType) : null;
        mixed?.Compute.train();
        var compute = mixed?.Compute ?? net;
        using var optimizer = new AdamOptimizer(net.named_parameters().Select(p => (p.name, p.parameter)),
            new OptimizerOptions(OptimizerKind.Adam, 2e-4, 0.9, 0.99, 0, 1e-8));
        int scale = config.Scale;
        var lq = rand(batch, config.InChans, patch, patch).to(device);
        var gt = rand(batch, config.InChans, patch * scale, patch * scale).to(device);
        var backend = options.Backend is null ? SelectiveScan.ChooseFor(device, ScalarType.Float32) : SelectiveScan.ByName(options.Backend);
        var previous = SelectiveScan.Forced;
        SelectiveScan.Forced = backend;
        try
        {
            void Step()
            {
                optimizer.ZeroGrad();
                mixed?.CopyToCompute();
                var loss = (compute.forward(lq) - gt).abs().mean();
                loss.backward();
                mixed?.MoveGradientsToMaster();
                optimizer.Step();
                if (isCuda) loss.item<float>();
            }
            // The first step creates Adam's state: run it in this method's scope, not in a timed run's (which disposes its tensors).
            Step();
            if (isCuda) WarmUp(Step, options.Warmup - 1);
            var timing = BenchmarkTimer.Measure(Step, isCuda ? 0 : Math.Max(0, options.Warmup - 1), options.Repeat);
            return new TrainReport(preset, batch, patch, backend.Name,
                isCuda ? CudaDeviceInfo.Describe(device) : BenchmarkTimer.MachineDescription(), device.ToString(),
                timing.MedianMs, timing.MinMs, timing.Runs, PeakMb(device, baseline), isCuda ? Tf32Name(options.Tf32) : null,
                options.DType.ToString().ToLowerInvariant(), autotune);
        }
        finally { SelectiveScan.Forced = previous; }
    }

    /// <summary>The TF32 setting a CUDA run used, as the command line names it (null off CUDA in the reports).</summary>
    static string Tf32Name(bool? allow) => allow switch { true => "on", false => "off", null => "default" };

    /// <summary>
    /// On CUDA: at least <paramref name="runs"/> runs and at least 2 s of them (at most 200): .NET compiles hot code again
    /// optimised after about 30 calls, and the GPU's clocks rise only under load, so short runs would time neither.
    /// </summary>
    static void WarmUp(Action run, int runs)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 200 && (i < runs || sw.Elapsed.TotalSeconds < 2); i++) { using var s = NewDisposeScope(); run(); }
    }

    /// <summary>Device memory in use before anything of the run exists (the CUDA context made first), or null off CUDA.</summary>
    static long? BaselineMemory(Device device)
    {
        if (device.type != DeviceType.CUDA) return null;
        using (var t = zeros(1, device: device)) t.sum().item<float>(); // context and allocator exist
        return CudaDeviceInfo.UsedBytes(device);
    }

    static double? PeakMb(Device device, long? baseline)
    {
        if (baseline is not { } b || CudaDeviceInfo.UsedBytes(device) is not { } now) return null;
        return (now - b) / 1e6;
    }
}
