using System.CommandLine;
using System.Diagnostics;
using MambaIR.Inference;
using MambaIR.Models;
using MambaIR.Native;
using TorchSharp;

namespace MambaIR.Cli.Commands;

/// <summary>
/// `mambair restore`: runs a MambaIR checkpoint over image files and folders and writes the results to an output folder,
/// with a progress line on stderr and a summary at the end; exits 1 when any file failed.
/// </summary>
public sealed class RestoreCommand : ICliCommand
{
    public Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Image files and/or folders (PNG, JPEG, BMP, TIFF, WebP).", Arity = ArgumentArity.OneOrMore };
        var model = new Option<string>("--model", "-m") { Description = "MambaIR v1 checkpoint (.pth or .safetensors); the architecture is detected from its weights.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Output folder (created if needed; sub-folders are mirrored with --recursive).", Required = true };
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Include images in sub-folders of input folders." };
        var tile = new Option<string>("--tile")
        {
            Description = "auto: the whole image when it fits in memory, else seam-free blended tiles sized to the free memory; none: always the whole image; N: blended tiles of at most N×N input pixels.",
            DefaultValueFactory = _ => "auto",
        };
        var overlap = new Option<int?>("--tile-overlap") { Description = "Pixels shared by neighbouring tiles, cross-faded (default: tile/8, at most 32; at most (tile−2)/3)." };
        var official = new Option<bool>("--official-tiling") { Description = "The official MambaIR test tiling (⌊h/200⌋+1 × ⌊w/200⌋+1 tiles, 10 % overlap, hard paste), to reproduce published numbers." };
        var ensemble = new Option<bool>("--self-ensemble") { Description = "Average over the 8 flips/transposes (×8 slower; the 'MambaIR+' procedure)." };
        var dtype = new Option<string>("--dtype") { Description = "float32 or float64 (slower; for checking numerics).", DefaultValueFactory = _ => "float32" };
        var format = new Option<string>("--format") { Description = $"Output format: {string.Join(", ", OutputNaming.Formats)} (same = each input's own format).", DefaultValueFactory = _ => "png" };
        var suffix = new Option<string?>("--suffix") { Description = "Appended to output names as {stem}_{suffix}.{ext} (default: the checkpoint's file name; \"\" for none)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace existing outputs, even an input file that an output name points at. Without it such files are skipped." };
        var paramKey = new Option<string>("--param-key") { Description = "Top-level key of the weights in the checkpoint: auto (params_ema, else params), params or params_ema.", DefaultValueFactory = _ => "auto" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress display; only the summary." };
        var device = CliOptions.Device();
        var libtorch = CliOptions.LibTorch();
        var threads = CliOptions.Threads();

        var cmd = new Command("restore", "Restore images with a MambaIR checkpoint (super-resolution, denoising, JPEG artifact removal): files or folders in, an output folder out.")
        {
            inputs, model, output, recursive, tile, overlap, official, ensemble, device, dtype, format, suffix, overwrite, paramKey, quiet, libtorch, threads,
        };
        cmd.SetAction((pr, cancel) =>
        {
            TorchRuntime.EnsureInitialized(pr.GetValue(libtorch));
            if (pr.GetValue(threads) is int t) torch.set_num_threads(t);
            var policy = TilingPolicy.Parse(pr.GetValue(tile), pr.GetValue(overlap), pr.GetValue(official));
            string modelPath = pr.GetValue(model)!;
            var naming = new OutputNaming(pr.GetValue(output)!, pr.GetValue(suffix) ?? Path.GetFileNameWithoutExtension(modelPath), pr.GetValue(format)!);
            var scalarType = pr.GetValue(dtype)!.Trim().ToLowerInvariant() switch
            {
                "float32" or "fp32" => torch.ScalarType.Float32,
                "float64" or "fp64" => torch.ScalarType.Float64,
                var other => throw new ArgumentException($"--dtype '{other}' is not supported; use float32 or float64"),
            };
            var computeDevice = ComputeDevice.Resolve(pr.GetValue(device));

            using var loaded = ModelLoader.Load(modelPath, new ModelLoadOptions { ParamKey = pr.GetValue(paramKey)!, Device = computeDevice, DType = scalarType });
            var network = MambaIRNetworks.From(loaded, computeDevice, scalarType);
            var restorer = new ImageRestorer(network, policy, pr.GetValue(ensemble));
            Console.Error.WriteLine($"model:   {modelPath} ({loaded.Description.Variant}, ×{network.Scale}, {network.Channels} channel{(network.Channels == 1 ? "" : "s")}, {loaded.Description.Parameters:N0} parameters)");
            Console.Error.WriteLine($"device:  {computeDevice} {scalarType}{(pr.GetValue(ensemble) ? ", ×8 self-ensemble" : "")}; tiling: {policy.Description}");

            if (policy.MeasuresMemory && network.Memory is { } memory)
                Console.Error.WriteLine($"memory:  ~{memory.FixedBytes / 1e6:F0} MB + {memory.BytesPerPixel / 1e3:F1} kB per input pixel (measured, ×{PeakMemory.SafetyFactor} margin); " +
                    $"budget {TileSizer.Budget(network) / 1e9:F1} GB ({TileSizer.BudgetFraction:P0} of free)");

            var display = pr.GetValue(quiet) ? null : new ProgressDisplay();
            var summary = new BatchRestorer(restorer, naming, pr.GetValue(overwrite))
                .Run(pr.GetValue(inputs)!, pr.GetValue(recursive), display, cancel);
            display?.Finish();
            PrintSummary(summary);
            return Task.FromResult(summary.ExitCode);
        });
        return cmd;
    }

    static void PrintSummary(BatchSummary summary)
    {
        foreach (var s in summary.Skipped) Console.Error.WriteLine($"skipped {s.Source}: {s.Reason}");
        foreach (var f in summary.Failed) Console.Error.WriteLine($"FAILED  {f.Source}: {f.Message}");
        Console.Error.WriteLine($"mambair restore: {summary}");
    }

    /// <summary>
    /// Progress on stderr: on a terminal one line rewritten in place (image i/n, tile x/y, bar, elapsed, ETA);
    /// when stderr is redirected, one line per finished image.
    /// </summary>
    sealed class ProgressDisplay : IProgress<BatchProgress>
    {
        readonly bool _live = !Console.IsErrorRedirected;
        readonly Stopwatch _total = Stopwatch.StartNew();
        readonly Stopwatch _image = new();
        int _finished;
        double _finishedSeconds;
        int _lastWidth;

        public void Report(BatchProgress p)
        {
            string name = Path.GetFileName(p.Source);
            string head = $"[{p.Index + 1}/{p.Count}] {name}";
            switch (p.Stage)
            {
                case BatchStage.Started:
                    _image.Restart();
                    if (_live) Draw($"{head}: {p.Detail}");
                    else Console.Error.WriteLine($"{head}: {p.Detail}");
                    break;
                case BatchStage.Tile when _live:
                    Draw($"{head}  tile {p.Tiles.Done}/{p.Tiles.Total} {Bar(p.Tiles.Done, p.Tiles.Total)}  {Eta(p)}");
                    break;
                case BatchStage.Restored:
                    _finished++;
                    _finishedSeconds += _image.Elapsed.TotalSeconds;
                    Line($"{head} → {p.Detail} ({_image.Elapsed.TotalSeconds:F1} s)");
                    break;
                case BatchStage.Skipped: Line($"{head} skipped: {p.Detail}"); break;
                case BatchStage.Failed: Line($"{head} FAILED: {p.Detail}"); break;
            }
        }

        public void Finish() { if (_live && _lastWidth > 0) Draw(""); }

        string Eta(BatchProgress p)
        {
            double done = p.Tiles.Total == 0 ? 0 : (double)p.Tiles.Done / p.Tiles.Total;
            double imageLeft = done > 0 ? _image.Elapsed.TotalSeconds * (1 - done) / done : double.NaN;
            double perImage = _finished > 0 ? _finishedSeconds / _finished : done > 0 ? _image.Elapsed.TotalSeconds / done : double.NaN;
            double left = imageLeft + perImage * (p.Count - p.Index - 1);
            return $"elapsed {Time(_total.Elapsed.TotalSeconds)}, ETA {(double.IsNaN(left) ? "?" : Time(left))}";
        }

        static string Time(double s) => s < 60 ? $"{s:F0}s" : s < 3600 ? $"{(int)s / 60}m{(int)s % 60:D2}s" : $"{(int)s / 3600}h{(int)s % 3600 / 60:D2}m";

        static string Bar(int done, int total, int width = 20)
        {
            int filled = total == 0 ? width : done * width / total;
            return "[" + new string('#', filled) + new string('.', width - filled) + "]";
        }

        void Line(string text)
        {
            if (_live) Draw("");
            Console.Error.WriteLine(text);
        }

        void Draw(string text)
        {
            int max = Math.Max(20, SafeWidth() - 1);
            if (text.Length > max) text = text[..(max - 1)] + "…";
            Console.Error.Write("\r" + text.PadRight(Math.Max(_lastWidth, text.Length)) + (text.Length == 0 ? "\r" : ""));
            _lastWidth = text.Length;
        }

        static int SafeWidth()
        {
            try { return Console.WindowWidth > 0 ? Console.WindowWidth : 120; }
            catch (IOException) { return 120; }
        }
    }
}
