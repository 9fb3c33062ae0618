using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using MambaIR.Benchmarks;
using MambaIR.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Cli.Commands;

/// <summary>
/// `mambair bench scan` (the selective scan at the classic/light SS2D block shapes: kernel vs reference, thread scaling;
/// on CUDA the GPU backends), `mambair bench model --preset NAME --size HxW` (whole-network latency with the share of
/// time in the scan) and `mambair bench train --preset NAME --batch B --patch P` (one training step).
/// </summary>
public sealed class BenchCommand : ICliCommand
{
    public Command Create()
    {
        var cmd = new Command("bench", "Benchmarks on this machine: the selective-scan kernel, a whole network's single-image latency, or a training step.");
        cmd.Subcommands.Add(Scan());
        cmd.Subcommands.Add(Model());
        cmd.Subcommands.Add(Train());
        return cmd;
    }

    static Option<int> Repeat(int fallback) => new("--repeat") { Description = "Timed runs; the median is reported.", DefaultValueFactory = _ => fallback };
    static Option<bool> Json() => new("--json") { Description = "Print the report as JSON instead of a table." };
    static Option<int> Warmup(int fallback) => new("--warmup") { Description = "Untimed runs before the timed ones (on CUDA they also compile or load the scan kernels).", DefaultValueFactory = _ => fallback };
    static Option<string> Tf32() => CliOptions.Tf32(defaultValue: "off");
    static string Mb(double? mb) => mb is { } v ? $"{v:F0} MB" : "n/a";

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    static Command Scan()
    {
        var threads = CliOptions.Threads();
        var repeat = Repeat(7);
        var json = Json();
        var warmup = Warmup(2);
        var shape = new Option<string>("--shape") { Description = "classic (B=1, 4×360 channels, N=16, L=64×64), light (4×72, N=10), classic-b4 (classic with batch 4) or all (classic and light).", DefaultValueFactory = _ => "all" };
        var device = CliOptions.Device();
        var libtorch = CliOptions.LibTorch();
        var backends = new Option<string?>("--scan") { Description = "CUDA: comma-separated scan backends to time (default cuda; e.g. cuda,chunked)." };
        var size = new Option<string?>("--size") { Description = "Image size HxW of the scanned sequence (L = H·W) instead of the shape's 64x64." };
        var batch = new Option<int?>("--batch") { Description = "Batch size instead of the shape's." };
        var variants = new Option<string?>("--variants") { Description = "CUDA: comma-separated build variants of the fused kernel to time, e.g. global-u1,global-u2,smem-u1." };
        var segments = new Option<string?>("--segments") { Description = "CUDA: comma-separated sequence segment counts per row to time, e.g. 1,8,32." };
        var noReference = new Option<bool>("--no-reference") { Description = "Skip the (slow) reference implementation and the speed-up." };
        var noBackward = new Option<bool>("--no-backward") { Description = "Time the forward only." };
        var referenceBackward = new Option<bool>("--reference-backward") { Description = "Also time the reference's forward+backward (very slow: minutes and several GB at the classic shape)." };
        var cmd = new Command("scan", "Time the selective scan (forward, forward+backward): on the CPU the kernel at 1, 2, 4 … threads, on CUDA the GPU backends; the reference once for the speed-up.")
            { threads, repeat, warmup, json, shape, noReference, noBackward, referenceBackward, device, libtorch, backends, size, batch, variants, segments };
        cmd.SetAction(pr =>
        {
            TorchRuntime.EnsureInitialized(pr.GetValue(libtorch));
            if (pr.GetValue(threads) is { } t) torch.set_num_threads(t);
            var dev = ComputeDevice.Resolve(pr.GetValue(device));
            string s = pr.GetValue(shape)!;
            var shapes = s.Equals("all", StringComparison.OrdinalIgnoreCase) ? ScanBenchmarkShape.All : new[] { ScanBenchmarkShape.ByName(s) };
            if (pr.GetValue(size) is { } sz)
            {
                var (h, w) = ParseSize(sz);
                shapes = shapes.Select(x => x with { Name = $"{x.Name}-{h}x{w}", Height = h, Width = w }).ToArray();
            }
            if (pr.GetValue(batch) is { } bt)
            {
                if (bt < 1) throw new ArgumentException($"--batch must be positive, got {bt}");
                shapes = shapes.Select(x => x with { Name = $"{x.Name}-b{bt}", Batch = bt }).ToArray();
            }
            var options = new ScanBenchmark.Options(Warmup: pr.GetValue(warmup), Repeat: pr.GetValue(repeat), Backward: !pr.GetValue(noBackward), Reference: !pr.GetValue(noReference),
                ReferenceBackward: pr.GetValue(referenceBackward), Device: dev.type == DeviceType.CUDA ? dev : null,
                Backends: pr.GetValue(backends)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                CudaVariants: pr.GetValue(variants)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Segments: pr.GetValue(segments)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(x => int.TryParse(x, out int v) && v > 0 ? v : throw new ArgumentException($"--segments takes positive integers, got '{x}'")).ToArray());
            bool asJson = pr.GetValue(json);
            var reports = new List<ScanBenchmark.Report>();
            foreach (var sh in shapes)
            {
                var report = ScanBenchmark.Run(sh, options, msg => Console.Error.WriteLine($"[{sh.Name}] {msg}"));
                reports.Add(report);
                if (!asJson) Console.WriteLine(ScanBenchmarkFormatter.Format(report));
            }
            if (asJson) Console.WriteLine(JsonSerializer.Serialize(reports, JsonOptions));
            foreach (var line in MambaIR.Ops.CudaSelectiveScan.KernelLog) Console.Error.WriteLine($"  {line}");
            return 0;
        });
        return cmd;
    }

    static Command Model()
    {
        var threads = CliOptions.Threads();
        var repeat = Repeat(5);
        var warmup = Warmup(1);
        var tf32 = Tf32();
        var json = Json();
        var preset = new Option<string>("--preset") { Description = "Network preset, e.g. light-x2, classic-x2, v2-light-x2, v2-b-x2 (one of: " + string.Join(", ", MambaIR.Models.NetworkPresets.All.Select(p => p.Name)) + ").", Required = true };
        var size = new Option<string>("--size") { Description = "Input image size HxW, e.g. 128x128.", DefaultValueFactory = _ => "128x128" };
        var backend = new Option<string?>("--scan") { Description = "Selective-scan backend (cpu, cuda, chunked, reference); default: the one the network would pick." };
        var device = CliOptions.Device();
        var libtorch = CliOptions.LibTorch();
        var dtype = CliOptions.DType();
        var cmd = new Command("model", "Single-image forward latency of a whole network (random weights): share of time in the selective scan, user/system CPU time, peak memory.")
            { threads, repeat, warmup, tf32, json, preset, size, backend, device, dtype, libtorch };
        cmd.SetAction(pr =>
        {
            TorchRuntime.EnsureInitialized(pr.GetValue(libtorch));
            if (pr.GetValue(threads) is { } t) torch.set_num_threads(t);
            var (h, w) = ParseSize(pr.GetValue(size)!);
            var dev = ComputeDevice.Resolve(pr.GetValue(device));
            var r = ModelBenchmark.Run(pr.GetValue(preset)!, h, w, new ModelBenchmark.Options(Warmup: pr.GetValue(warmup), Repeat: pr.GetValue(repeat),
                Backend: pr.GetValue(backend), Device: dev, Tf32: CliOptions.ParseTf32(pr.GetValue(tf32)), DType: CliOptions.TryParseDType(pr.GetValue(dtype))!.Value));
            if (pr.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(r, JsonOptions));
            else
            {
                Console.WriteLine($"{r.Preset} on one {r.Height}x{r.Width} image, {r.Device}, {r.DType}, {r.Threads} CPU thread(s), scan backend {r.Backend}");
                Console.WriteLine($"  machine: {r.Machine}");
                Console.WriteLine($"  forward: median {r.MedianMs:F1} ms (min {r.MinMs:F1}) over {pr.GetValue(repeat)} runs");
                Console.WriteLine($"  scan:    {r.ScanMsPerImage:F1} ms in {r.ScanCallsPerImage} calls ({100 * r.ScanShare:F0}%); rest {r.RestMsPerImage:F1} ms");
                Console.WriteLine($"  CPU:     user {r.UserCpuMsPerImage:F0} ms, system {r.SystemCpuMsPerImage:F0} ms per image (system/user {100 * r.SystemOverUser:F1}%)"
                    + (r.MinorFaultsPerImage is { } f ? $", {f:F0} page faults" : ""));
                if (r.PeakResidentBytes is { } peak && r.PeakAboveBaselineBytes is { } above && r.PeakBytesPerInputPixel is { } perPixel)
                    Console.WriteLine($"  memory:  peak resident {peak / 1048576.0:F0} MiB, {above / 1048576.0:F0} MiB above the network at rest ({perPixel / 1024:F2} KiB per input pixel)");
                if (r.Malloc is { } malloc) Console.WriteLine($"  malloc:  {malloc}");
                if (r.PeakDeviceMemoryMb is not null) Console.WriteLine($"  peak device memory: {Mb(r.PeakDeviceMemoryMb)}");
            }
            return 0;
        });
        return cmd;
    }

    static Command Train()
    {
        var threads = CliOptions.Threads();
        var repeat = Repeat(5);
        var warmup = Warmup(2);
        var tf32 = Tf32();
        var json = Json();
        var preset = new Option<string>("--preset") { Description = "Network preset, e.g. light-x2, classic-x2.", Required = true };
        var batch = new Option<int>("--batch") { Description = "Patches per step.", DefaultValueFactory = _ => 16 };
        var patch = new Option<int>("--patch") { Description = "Low-resolution patch size (the target is patch × scale).", DefaultValueFactory = _ => 64 };
        var backend = new Option<string?>("--scan") { Description = "Selective-scan backend; default: the one the network would pick." };
        var device = CliOptions.Device();
        var libtorch = CliOptions.LibTorch();
        var mixed = CliOptions.MixedPrecision("bfloat16: forward and backward in bfloat16 on a copy of the float32 weights (as mambair train --mixed-precision).");
        var cmd = new Command("train", "Time one training step (Adam, L1 loss, forward and backward) of a whole network on random patches.")
            { threads, repeat, warmup, tf32, json, preset, batch, patch, backend, device, libtorch, mixed };
        cmd.SetAction(pr =>
        {
            TorchRuntime.EnsureInitialized(pr.GetValue(libtorch));
            if (pr.GetValue(threads) is { } t) torch.set_num_threads(t);
            var dev = ComputeDevice.Resolve(pr.GetValue(device));
            var r = ModelBenchmark.RunTrainStep(pr.GetValue(preset)!, pr.GetValue(batch), pr.GetValue(patch), new ModelBenchmark.Options(Warmup: pr.GetValue(warmup),
                Repeat: pr.GetValue(repeat), Backend: pr.GetValue(backend), Device: dev, Tf32: CliOptions.ParseTf32(pr.GetValue(tf32)),
                DType: CliOptions.MixedPrecisionType(pr.GetValue(mixed)) ?? torch.ScalarType.Float32));
            if (pr.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(r, JsonOptions));
            else
            {
                Console.WriteLine($"{r.Preset} training step, batch {r.Batch} of {r.Patch}x{r.Patch} patches, {r.Device}, {(r.DType == "float32" ? "float32" : $"mixed precision ({r.DType})")}, scan backend {r.Backend}");
                Console.WriteLine($"  machine: {r.Machine}");
                Console.WriteLine($"  step: median {r.MedianMs:F1} ms (min {r.MinMs:F1}) over {r.Runs} runs; peak device memory {Mb(r.PeakDeviceMemoryMb)}");
                if (r.CudnnAutotune is { } tune) Console.WriteLine($"  {tune}");
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>Parses "HxW" (or a single number for a square).</summary>
    static (int H, int W) ParseSize(string s)
    {
        var parts = s.ToLowerInvariant().Split('x');
        if (parts.Length is 1 or 2 && parts.All(p => int.TryParse(p, out int v) && v > 0))
            return (int.Parse(parts[0]), int.Parse(parts[^1]));
        throw new ArgumentException($"--size must be HxW with positive integers, e.g. 128x128; got '{s}'");
    }
}
