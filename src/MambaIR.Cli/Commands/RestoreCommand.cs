using System.CommandLine;
using System.Diagnostics;
using MambaIR.Imaging;
using MambaIR.Inference;
using MambaIR.Models;
using MambaIR.Native;
using TorchSharp;

namespace MambaIR.Cli.Commands;

/// <summary>
/// `mambair restore`: runs a model over image files and folders and writes the results to an output folder, with a
/// progress line on stderr and a summary at the end. Exit codes: 0 done, 1 a file failed, 2 usage error, 3 out of memory.
/// </summary>
public sealed class RestoreCommand : ICliCommand
{
    public Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Image files and/or folders (PNG, JPEG, BMP, TIFF, WebP; GIF and AVIF are read too).", Arity = ArgumentArity.OneOrMore };
        CliOptions.RejectOptionLikeInputs(inputs);
        var model = CliOptions.Model("A MambaIR checkpoint (.pth or .safetensors; architecture detected from its weights) or a bundled model's name. Default: the bundled model for --scale.", required: false);
        var scale = new Option<int?>("--scale") { Description = "Choose the bundled default model of this scale (2 or 4) when no --model is given; with --model it must equal the model's scale." };
        var output = new Option<string>("--output", "-o") { Description = "Output folder (created if needed; sub-folders of input folders are mirrored).", Required = true };
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Include images in sub-folders of input folders." };
        var tile = CliOptions.Tile("auto", "auto: the fastest tile size measured on this machine within --max-memory (the whole image when it fits in one); none: always the whole image; official: the official MambaIR test tiling (⌊h/200⌋+1 × ⌊w/200⌋+1 tiles, 10 % overlap, hard paste); N: seam-free blended tiles of at most N×N input pixels.");
        var overlap = CliOptions.TileOverlap();
        var maxMemory = CliOptions.MaxMemory();
        var ensemble = new Option<bool>("--self-ensemble") { Description = "Average over the 8 flips/transposes (×8 slower; the 'MambaIR+' procedure)." };
        var dtype = CliOptions.DType();
        var tf32 = CliOptions.Tf32();
        var format = new Option<string>("--format")
        {
            Description = $"Output format: {string.Join(", ", OutputFormatNames.Names)} (same = each input's own format).", DefaultValueFactory = _ => "png",
            Validators = { r => { try { OutputFormatNames.Parse(r.GetValueOrDefault<string>() ?? ""); } catch (ArgumentException) { r.AddError($"--format '{r.GetValueOrDefault<string>()}': use {string.Join(", ", OutputFormatNames.Names)}"); } } },
        };
        var quality = CliOptions.IntInRange("--quality", 1, 100, "JPEG/WebP quality (default 95).");
        var pngCompression = CliOptions.IntInRange("--png-compression", 0, 9, "PNG compression level 0 (fastest) to 9 (smallest); default 6.");
        var strip = new Option<bool>("--strip-metadata") { Description = "Do not copy EXIF, ICC profile and resolution from the input to the output." };
        var outscale = new Option<double?>("--outscale", "-s")
        {
            Description = "Final size as a multiple of the input (any value, e.g. 3.5), resampled after the network (as Real-ESRGAN's -s).",
            Validators = { r => { if (r.GetValueOrDefault<double?>() is { } v && (!double.IsFinite(v) || v <= 0 || v > 64)) r.AddError($"--outscale {v}: must be in (0, 64]"); } },
        };
        var suffix = new Option<string?>("--suffix") { Description = "Appended to output names as {stem}_{suffix}.{ext} (default: the model's name; \"\" for none)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace existing outputs (never input files). Without it existing outputs are skipped, so a rerun resumes." };
        var paramKey = new Option<string>("--param-key") { Description = "Top-level key of the weights in the checkpoint: auto (params_ema, else params), params or params_ema.", DefaultValueFactory = _ => "auto" };
        var shard = new Option<string?>("--shard")
        {
            Description = "K/N: restore only part K (0-based) of N deterministic parts of the inputs, e.g. --shard $SLURM_ARRAY_TASK_ID/8 or $JOB_COMPLETION_INDEX/8. A file's part depends on its name alone; a rerun skips finished outputs.",
            Validators = { r => { if (r.GetValueOrDefault<string?>() is { } v) try { Shard.Parse(v); } catch (Exception e) when (e is FormatException or ArgumentException) { r.AddError($"--shard {v}: {e.Message}"); } } },
        };
        var quiet = CliOptions.Quiet();
        var device = CliOptions.Device();
        var libtorch = CliOptions.LibTorch();
        var threads = CliOptions.Threads();

        var routing = CliOptions.Routing();
        var seed = CliOptions.Seed();
        var cmd = new Command("restore", "Restore images (super-resolution, denoising, JPEG artifact removal): files or folders in, an output folder out.")
        {
            inputs, model, scale, output, recursive, tile, overlap, maxMemory, ensemble, device, dtype, tf32, format, quality, pngCompression, strip, outscale,
            suffix, overwrite, paramKey, shard, routing, seed, quiet, libtorch, threads,
        };
        cmd.Validators.Add(r =>
        {
            try { CliOptions.ParseTile(r.GetValue(tile), r.GetValue(overlap)); }
            catch (ArgumentException e) { r.AddError(e.Message); }
            if (r.GetValue(model) is null && r.GetValue(scale) is { } s && s is not (2 or 4)) r.AddError($"--scale {s}: bundled default models are ×2 and ×4");
        });
        cmd.SetAction((pr, cancel) =>
        {
            TorchRuntime.EnsureInitialized(pr.GetValue(libtorch));
            if (pr.GetValue(threads) is int t) torch.set_num_threads(t);
            var budget = pr.GetValue(maxMemory) is { } mm ? MemoryBudget.Of(CliOptions.ParseBytes(mm)!.Value) : MemoryBudget.Default;
            var policy = CliOptions.ParseTile(pr.GetValue(tile), pr.GetValue(overlap), budget);
            var scalarType = CliOptions.TryParseDType(pr.GetValue(dtype))!.Value;
            var computeDevice = ComputeDevice.Resolve(pr.GetValue(device));
            string modelName = pr.GetValue(model) ?? DefaultModel(pr.GetValue(scale) ?? 2);

            var route = CliOptions.ParseRouting(pr.GetValue(routing), pr.GetValue(seed));
            using var tf32Mode = computeDevice.type == TorchSharp.DeviceType.CUDA ? MambaIR.Native.Cuda.Tf32Mode.Set(CliOptions.ParseTf32(pr.GetValue(tf32))) : null;
            using var descriptor = ModelFactory.Create(modelName, new ModelRequest { Device = computeDevice, DType = scalarType, ParamKey = pr.GetValue(paramKey)!, Routing = route });
            CliOptions.CheckRouting(descriptor, route, modelName);
            if (descriptor.IsBaseline || descriptor.Untrained)
                throw new ArgumentException($"--model {modelName} is {(descriptor.IsBaseline ? "a baseline for evaluation" : "an untrained preset (random weights)")}; restore needs a trained checkpoint or a bundled model");
            if (pr.GetValue(scale) is { } requested && pr.GetValue(model) != null && requested != descriptor.Scale)
                throw new ArgumentException($"--scale {requested} does not match --model {modelName}, which is a ×{descriptor.Scale} model; drop --scale or use --outscale {requested} to resample");
            var settings = new RestoreOutputSettings
            {
                Format = OutputFormatNames.Parse(pr.GetValue(format)!), Quality = pr.GetValue(quality), PngCompression = pr.GetValue(pngCompression),
                StripMetadata = pr.GetValue(strip), OutScale = pr.GetValue(outscale),
            };
            var naming = new OutputNaming(pr.GetValue(output)!, pr.GetValue(suffix) ?? descriptor.Name, settings.Format);
            var restorer = new ImageRestorer(descriptor, policy, pr.GetValue(ensemble));
            var batch = new BatchRestorer(restorer, naming, settings, pr.GetValue(overwrite));
            var plan = batch.Plan(pr.GetValue(inputs)!, pr.GetValue(recursive), pr.GetValue(shard) is { } sh ? Shard.Parse(sh) : null);

            bool quietRun = pr.GetValue(quiet);
            if (!quietRun)
            {
                Console.Error.WriteLine($"model:   {descriptor.Source ?? descriptor.Name} ({descriptor.Architecture?.Variant}, {descriptor.Purpose.Describe(descriptor.Scale)}, {descriptor.InputChannels} channel{(descriptor.InputChannels == 1 ? "" : "s")}, {descriptor.Architecture?.Parameters:N0} parameters)");
                if (descriptor.Model is Models.V2.MambaIRv2Net) Console.Error.WriteLine($"routing: {route}");
                Console.Error.WriteLine($"device:  {computeDevice} {scalarType}{(pr.GetValue(ensemble) ? ", ×8 self-ensemble" : "")}; tiling: {policy.Description}; memory budget {budget.Describe(computeDevice, descriptor.AvailableBytes())}");
                Console.Error.WriteLine($"inputs:  {plan.Jobs.Count} image(s){(pr.GetValue(shard) is { } s2 ? $" in shard {s2}" : "")} → {naming.OutputDirectory}");
            }
            var display = quietRun ? null : new ProgressDisplay();
            var summary = batch.Run(plan, display, cancel);
            display?.Finish();
            PrintSummary(summary);
            return Task.FromResult(summary.ExitCode);
        });
        return cmd;
    }

    /// <summary>The bundled model used when no --model is given.</summary>
    internal static string DefaultModel(int scale)
    {
        string name = $"mambair-light-x{scale}";
        return BundledModels.Find(name) is { } path ? path
            : throw new ArgumentException($"no --model given and the bundled default model {name} is not installed (looked in {BundledModels.Directory}); pass --model CHECKPOINT");
    }

    static void PrintSummary(BatchSummary summary)
    {
        foreach (var r in summary.Restored)
            foreach (var w in r.Warnings ?? [])
                Console.Error.WriteLine($"warning {r.Output}: {w}");
        foreach (var s in summary.Skipped)
            Console.Error.WriteLine($"skipped {s.Source}: {s.Reason.Describe()}{(s.Reason == SkipReason.OutputExists ? " (--overwrite replaces it)" : "")}");
        foreach (var f in summary.Failed)
            Console.Error.WriteLine($"FAILED  {f.Source}: {f.Message}{(f.OutOfMemory ? " (try a smaller --tile or --max-memory, or another --device)" : "")}");
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
