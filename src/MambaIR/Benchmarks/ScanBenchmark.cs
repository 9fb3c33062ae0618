using TorchSharp;
using MambaIR.Ops;
using static TorchSharp.torch;

namespace MambaIR.Benchmarks;

/// <summary>
/// Times the selective scan at a <see cref="ScanBenchmarkShape"/>: forward and forward+backward of the CPU kernel for
/// each thread count, and once the reference implementation for the speed-up, all in the same run.
/// </summary>
public static class ScanBenchmark
{
    /// <summary>FLOPs per (b, d, l, n) state update, exp counted as one: δ·A, exp, δu·B, a·h + …, h·C accumulated.</summary>
    public const int ForwardFlopsPerUpdate = 7;
    /// <summary>Backward per update: recompute (δ·A, exp, δu·B, a·h + …: 5) + adjoint (dh, dC, dB, Σ dh·B, dh·h·a, Σ ·A, dA: 7 FMAs/2-op = 14, carry 1).</summary>
    public const int BackwardFlopsPerUpdate = 20;
    public static string FlopModel =>
        $"per (b,d,l,n) state update: forward {ForwardFlopsPerUpdate} (exp counted as 1), backward {BackwardFlopsPerUpdate}, forward+backward {ForwardFlopsPerUpdate + BackwardFlopsPerUpdate}";

    /// <param name="Reference">Time the reference forward once, for the speed-up.</param>
    /// <param name="ReferenceBackward">Also time the reference forward+backward once (minutes and GBs at these shapes).</param>
    /// <param name="Device">CUDA: time the GPU backends (<paramref name="Backends"/>, default the fused kernel) instead of the CPU kernel's thread scaling.</param>
    public sealed record Options(int Warmup = 2, int Repeat = 7, bool Backward = true, bool Reference = true, bool ReferenceBackward = false,
        IReadOnlyList<int>? ThreadCounts = null, Device? Device = null, IReadOnlyList<string>? Backends = null,
        IReadOnlyList<string>? CudaVariants = null, IReadOnlyList<int>? Segments = null);

    /// <summary>One backend at one thread count. Times in ms (median), GFLOP/s from <see cref="FlopModel"/>.</summary>
    /// <param name="PeakDeviceMemoryMb">CUDA only: device memory in use at the end of this backend's runs beyond what was in use before its inputs existed.</param>
    public sealed record Measurement(string Backend, int Threads, double ForwardMs, double? ForwardBackwardMs, double ForwardGflops, double? ForwardBackwardGflops,
        double? PeakDeviceMemoryMb = null)
    {
        /// <summary>Backward alone, as forward+backward minus forward.</summary>
        public double? BackwardMs => ForwardBackwardMs - ForwardMs;
    }

    public sealed record Report(
        string Shape, string ShapeDescription, long StateUpdates, string Dtype, int VectorBits, string Machine, string FlopModel,
        IReadOnlyList<Measurement> Kernel, Measurement? Reference)
    {
        /// <summary>The kernel at the most threads.</summary>
        public Measurement Best => Kernel[^1];
        public double? ForwardSpeedup => Reference is null ? null : Reference.ForwardMs / Best.ForwardMs;
        public double? ForwardBackwardSpeedup => Reference?.ForwardBackwardMs / Best.ForwardBackwardMs;
        public double? BackwardOverForward => Best.BackwardMs / Best.ForwardMs;
    }

    /// <summary>Runs the benchmark. Thread counts default to 1, 2, 4, … up to <c>torch.get_num_threads()</c>; the reference runs at the most.</summary>
    public static Report Run(ScanBenchmarkShape shape, Options options, Action<string>? progress = null)
    {
        if (options.Device is { type: DeviceType.CUDA } cuda) return RunCuda(shape, options, cuda, progress);
        int maxThreads = get_num_threads();
        var threadCounts = options.ThreadCounts ?? DefaultThreadCounts(maxThreads);
        var kernel = new CpuSelectiveScan();
        var dtype = ScalarType.Float32;
        var results = new List<Measurement>();
        try
        {
            foreach (int t in threadCounts)
            {
                set_num_threads(t);
                progress?.Invoke($"cpu kernel, {t} thread(s)");
                results.Add(Measure(kernel, shape, dtype, options.Warmup, options.Repeat, options.Backward, t));
            }
            Measurement? reference = null;
            if (options.Reference)
            {
                set_num_threads(threadCounts[^1]);
                progress?.Invoke("reference implementation (slow; one run)");
                reference = Measure(SelectiveScan.Reference, shape, dtype, 0, 1, options.Backward && options.ReferenceBackward, threadCounts[^1]);
            }
            return new Report(shape.Name, shape.ToString(), shape.StateUpdates, "float32", kernel.VectorBitsFor(shape.StateSize, dtype),
                BenchmarkTimer.MachineDescription(), FlopModel, results, reference);
        }
        finally { set_num_threads(maxThreads); }
    }

    /// <summary>
    /// The GPU backends at this shape, float32, each run followed by a device synchronisation. TF32 plays no part (no
    /// matrix products); the reference, if asked for, runs once on the device.
    /// </summary>
    static Report RunCuda(ScanBenchmarkShape shape, Options options, Device device, Action<string>? progress)
    {
        var dtype = ScalarType.Float32;
        var backends = (options.Backends ?? new[] { "cuda" }).Select(SelectiveScan.ByName).ToList();
        var results = new List<Measurement>();
        foreach (var b in backends)
        {
            // The fused kernel can be timed in several build variants and segmentations (labelled cuda[variant,sN]).
            bool fused = b is CudaSelectiveScan;
            var variants = fused && options.CudaVariants is { Count: > 0 } vs ? vs.Select(Ops.Cuda.CudaScanVariant.Parse).ToList() : new List<Ops.Cuda.CudaScanVariant?> { null }!;
            var segmentations = fused && options.Segments is { Count: > 0 } ss ? ss.Select(x => (int?)x).ToList() : new List<int?> { null };
            foreach (var v in variants)
                foreach (var seg in segmentations)
                {
                    var previousVariant = Ops.Cuda.CudaScanKernels.VariantOverride;
                    var previousSegments = Ops.Cuda.CudaScanKernels.SegmentsOverride;
                    try
                    {
                        if (v is not null) Ops.Cuda.CudaScanKernels.VariantOverride = v;
                        if (seg is not null) Ops.Cuda.CudaScanKernels.SegmentsOverride = seg;
                        string label = v is null && seg is null ? b.Name : $"{b.Name}[{v?.ToString() ?? "default"}{(seg is { } sg ? $",s{sg}" : "")}]";
                        progress?.Invoke($"{label} on {device}");
                        results.Add(MeasureOnDevice(b, shape, dtype, device, options.Warmup, options.Repeat, options.Backward) with { Backend = label });
                    }
                    finally
                    {
                        Ops.Cuda.CudaScanKernels.VariantOverride = previousVariant;
                        Ops.Cuda.CudaScanKernels.SegmentsOverride = previousSegments;
                    }
                }
        }
        Measurement? reference = null;
        if (options.Reference)
        {
            progress?.Invoke("reference implementation on the device (one run)");
            reference = MeasureOnDevice(SelectiveScan.Reference, shape, dtype, device, 0, 1, options.Backward && options.ReferenceBackward);
        }
        return new Report(shape.Name, shape.ToString(), shape.StateUpdates, "float32", 0, Native.Cuda.CudaDeviceInfo.Describe(device), FlopModel, results, reference);
    }

    static Measurement MeasureOnDevice(ISelectiveScan scan, ScanBenchmarkShape shape, ScalarType dtype, Device device, int warmup, int repeat, bool backward)
    {
        using (var t = zeros(1, device: device)) t.sum().item<float>();
        long? before = Native.Cuda.CudaDeviceInfo.UsedBytes(device);
        using var scope = NewDisposeScope();
        var x = shape.CreateInputs(dtype, requiresGrad: false, device: device);
        double fwd;
        using (no_grad())
        {
            // Warm-up of at least 1 s as well: the GPU's clocks rise only under load.
            var sw = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < 1000 && (i < warmup || sw.Elapsed.TotalSeconds < 1); i++) { using var s = NewDisposeScope(); scan.Run(x); cuda.synchronize(); }
            // Each call's outputs are freed before the next (as a PyTorch loop's are): the caching allocator reuses their blocks
            // instead of asking the driver for new memory on every call.
            fwd = BenchmarkTimer.Measure(() => { using var s = NewDisposeScope(); scan.Run(x); cuda.synchronize(); }, 0, repeat).MedianMs;
        }
        double? fwdBwd = null;
        if (backward)
        {
            var xg = shape.CreateInputs(dtype, requiresGrad: true, device: device);
            var leaves = new[] { xg.U, xg.Delta, xg.A, xg.B, xg.C, xg.D!, xg.DeltaBias! };
            var gradOut = ones(new long[] { shape.Batch, shape.Channels, shape.Length }, dtype: dtype, device: device);
            fwdBwd = BenchmarkTimer.Measure(() => { using var s = NewDisposeScope(); autograd.grad(new[] { scan.Run(xg).Output }, leaves, new[] { gradOut }); cuda.synchronize(); }, warmup, repeat).MedianMs;
        }
        long? after = Native.Cuda.CudaDeviceInfo.UsedBytes(device);
        double Gflops(double flopsPerUpdate, double ms) => flopsPerUpdate * shape.StateUpdates / (ms * 1e6);
        return new Measurement(scan.Name, get_num_threads(), fwd, fwdBwd, Gflops(ForwardFlopsPerUpdate, fwd),
            fwdBwd is { } fb ? Gflops(ForwardFlopsPerUpdate + BackwardFlopsPerUpdate, fb) : null,
            before is { } b0 && after is { } a0 ? (a0 - b0) / 1e6 : null);
    }

    public static IReadOnlyList<int> DefaultThreadCounts(int max)
    {
        var list = new List<int>();
        for (int t = 1; t < max; t *= 2) list.Add(t);
        list.Add(max);
        return list;
    }

    static Measurement Measure(ISelectiveScan scan, ScanBenchmarkShape shape, ScalarType dtype, int warmup, int repeat, bool backward, int threads)
    {
        using var scope = NewDisposeScope();
        var x = shape.CreateInputs(dtype, requiresGrad: false);
        double fwd;
        using (no_grad()) fwd = BenchmarkTimer.Measure(() => scan.Run(x), warmup, repeat).MedianMs;
        double? fwdBwd = null;
        if (backward)
        {
            var xg = shape.CreateInputs(dtype, requiresGrad: true);
            var leaves = new[] { xg.U, xg.Delta, xg.A, xg.B, xg.C, xg.D!, xg.DeltaBias! };
            var gradOut = ones(shape.Batch, shape.Channels, shape.Length, dtype: dtype);
            fwdBwd = BenchmarkTimer.Measure(() => autograd.grad(new[] { scan.Run(xg).Output }, leaves, new[] { gradOut }), warmup, repeat).MedianMs;
        }
        double Gflops(double flopsPerUpdate, double ms) => flopsPerUpdate * shape.StateUpdates / (ms * 1e6);
        return new Measurement(scan.Name, threads, fwd, fwdBwd, Gflops(ForwardFlopsPerUpdate, fwd),
            fwdBwd is { } fb ? Gflops(ForwardFlopsPerUpdate + BackwardFlopsPerUpdate, fb) : null);
    }
}
