using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using MambaIR.Benchmarks;
using MambaIR.Native;
using TorchSharp;

namespace MambaIR.Cli.Commands;

/// <summary>
/// `mambair bench scan` (the selective scan at the classic/light SS2D block shapes: kernel vs reference, thread scaling)
/// and `mambair bench model --preset NAME --size HxW` (whole-network latency with the share of time in the scan).
/// </summary>
public sealed class BenchCommand : ICliCommand
{
    public Command Create()
    {
        var cmd = new Command("bench", "Benchmarks on this machine: the selective-scan kernel, or a whole network's single-image latency.");
        cmd.Subcommands.Add(Scan());
        cmd.Subcommands.Add(Model());
        return cmd;
    }

    static Option<int> Repeat(int fallback) => new("--repeat") { Description = "Timed runs; the median is reported.", DefaultValueFactory = _ => fallback };
    static Option<bool> Json() => new("--json") { Description = "Print the report as JSON instead of a table." };

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    static Command Scan()
    {
        var threads = CliOptions.Threads();
        var repeat = Repeat(7);
        var json = Json();
        var shape = new Option<string>("--shape") { Description = "classic (B=1, 4×360 channels, N=16, L=64×64), light (4×72, N=10) or all.", DefaultValueFactory = _ => "all" };
        var noReference = new Option<bool>("--no-reference") { Description = "Skip the (slow) reference implementation and the speed-up." };
        var noBackward = new Option<bool>("--no-backward") { Description = "Time the forward only." };
        var referenceBackward = new Option<bool>("--reference-backward") { Description = "Also time the reference's forward+backward (very slow: minutes and several GB at the classic shape)." };
        var cmd = new Command("scan", "Time the CPU selective-scan kernel (forward, forward+backward) at 1, 2, 4 … threads, and the reference once for the speed-up.")
            { threads, repeat, json, shape, noReference, noBackward, referenceBackward };
        cmd.SetAction(pr =>
        {
            TorchRuntime.EnsureInitialized();
            if (pr.GetValue(threads) is { } t) torch.set_num_threads(t);
            string s = pr.GetValue(shape)!;
            var shapes = s.Equals("all", StringComparison.OrdinalIgnoreCase) ? ScanBenchmarkShape.All : new[] { ScanBenchmarkShape.ByName(s) };
            var options = new ScanBenchmark.Options(Repeat: pr.GetValue(repeat), Backward: !pr.GetValue(noBackward), Reference: !pr.GetValue(noReference),
                ReferenceBackward: pr.GetValue(referenceBackward));
            bool asJson = pr.GetValue(json);
            var reports = new List<ScanBenchmark.Report>();
            foreach (var sh in shapes)
            {
                var report = ScanBenchmark.Run(sh, options, msg => Console.Error.WriteLine($"[{sh.Name}] {msg}"));
                reports.Add(report);
                if (!asJson) Console.WriteLine(ScanBenchmarkFormatter.Format(report));
            }
            if (asJson) Console.WriteLine(JsonSerializer.Serialize(reports, JsonOptions));
            return 0;
        });
        return cmd;
    }

    static Command Model()
    {
        var threads = CliOptions.Threads();
        var repeat = Repeat(5);
        var json = Json();
        var preset = new Option<string>("--preset") { Description = "Network preset, e.g. light-x2, classic-x2, v2-light-x2, v2-b-x2 (one of: " + string.Join(", ", MambaIR.Models.NetworkPresets.All.Select(p => p.Name)) + ").", Required = true };
        var size = new Option<string>("--size") { Description = "Input image size HxW, e.g. 128x128.", DefaultValueFactory = _ => "128x128" };
        var backend = new Option<string?>("--scan") { Description = "Selective-scan backend (cpu, reference); default: the one the network would pick." };
        var device = CliOptions.Device();
        var libtorch = CliOptions.LibTorch();
        var cmd = new Command("model", "Single-image forward latency of a whole network (random weights) with the share of time in the selective scan.")
            { threads, repeat, json, preset, size, backend, device, libtorch };
        cmd.SetAction(pr =>
        {
            TorchRuntime.EnsureInitialized(pr.GetValue(libtorch));
            if (pr.GetValue(threads) is { } t) torch.set_num_threads(t);
            var (h, w) = ParseSize(pr.GetValue(size)!);
            var dev = ComputeDevice.Resolve(pr.GetValue(device));
            var r = ModelBenchmark.Run(pr.GetValue(preset)!, h, w, new ModelBenchmark.Options(Repeat: pr.GetValue(repeat), Backend: pr.GetValue(backend), Device: dev));
            if (pr.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(r, JsonOptions));
            else
            {
                Console.WriteLine($"{r.Preset} on one {r.Height}x{r.Width} image, {r.Device}, {r.Threads} CPU thread(s), scan backend {r.Backend}");
                Console.WriteLine($"  machine: {r.Machine}");
                Console.WriteLine($"  forward: median {r.MedianMs:F1} ms (min {r.MinMs:F1}) over {pr.GetValue(repeat)} runs");
                Console.WriteLine($"  scan:    {r.ScanMsPerImage:F1} ms in {r.ScanCallsPerImage} calls ({100 * r.ScanShare:F0}%); rest {r.RestMsPerImage:F1} ms");
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
