using System.CommandLine;
using System.Globalization;
using MambaIR.Evaluation;
using MambaIR.Inference;
using MambaIR.Models;
using MambaIR.Native;
using TorchSharp;

namespace MambaIR.Cli.Commands;

/// <summary>
/// `mambair eval`: a model (checkpoint, <c>bicubic</c> or <c>identity</c>) on one or more test sets at one scale / σ /
/// JPEG quality; prints per-image progress and a summary table with the published MambaIR numbers side by side, and
/// optionally writes the table as Markdown, a per-image CSV, a JSON report and the restored images.
/// </summary>
public sealed class EvalCommand : ICliCommand
{
    public Command Create()
    {
        var model = CliOptions.Model("Checkpoint (.pth / .safetensors) or bundled model, or 'bicubic' (SR baseline) or 'identity' (denoise/JPEG baseline: the degraded input).");
        var datasets = new Option<string[]>("--dataset")
        {
            Description = "Test set, repeatable: PATH[:NAME] (benchmark folder with HR + LR_bicubic/X{s} or LRBI/x{s}, a folder of NAME_HR/NAME_LR pairs, or HR images only: LR is then MATLAB bicubic of the mod-cropped HR) or HR_DIR,LR_DIR[:NAME].",
            Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var scale = new Option<int?>("--scale") { Description = "SR scale (2, 3, 4). Default: the checkpoint's scale; required for bicubic." };
        var task = new Option<string>("--task")
        {
            Description = "sr, denoise or jpeg.", DefaultValueFactory = _ => "sr",
            Validators = { r => { try { RestorationTaskNames.Parse(r.GetValueOrDefault<string>() ?? ""); } catch (ArgumentException e) { r.AddError($"--{e.Message}"); } } },
        };
        var sigma = CliOptions.IntInRange("--sigma", 0, 255, "Gaussian noise level for --task denoise (e.g. 15, 25, 50).");
        var quality = CliOptions.IntInRange("--quality", 1, 100, "JPEG quality for --task jpeg (e.g. 10, 30, 40).");
        var tiling = new Option<string>("--tile")
        {
            Description = "official (MambaIR's ~200 px test tiling, needed to reproduce the published numbers) or none (whole images).", DefaultValueFactory = _ => "official",
            Validators = { r => { if (r.GetValueOrDefault<string>()?.Trim().ToLowerInvariant() is not ("official" or "none" or "whole")) r.AddError($"--tile '{r.GetValueOrDefault<string>()}': eval uses official or none"); } },
        };
        var ensemble = new Option<bool>("--self-ensemble") { Description = "×8 flips/transposes, inverted and averaged (the 'MambaIR+' rows); 8× slower." };
        var grey = new Option<bool>("--grey") { Description = "Baselines (bicubic/identity) work on grey images (for grey denoising)." };
        var template = new Option<string?>("--filename-tmpl") { Description = "BasicSR filename_tmpl for LR names, e.g. '{}x4' or '{}_LRBI_x4' (default: detected)." };
        var save = new Option<string?>("--save-images") { Description = "Write restored images to DIR/SET/NAME.png." };
        var csv = new Option<string?>("--csv") { Description = "Write per-image results as CSV." };
        var json = new Option<string?>("--json") { Description = "Write per-image and mean PSNR/SSIM as JSON (schema mambair-eval/1)." };
        var markdown = new Option<string?>("--markdown") { Description = "Write the summary table as Markdown." };
        var routing = CliOptions.Routing();
        var seed = CliOptions.Seed();
        seed.Description = "Seed of the Gumbel routing (with --routing gumbel; default 0); with --spread, the first of the K seeds.";
        var spread = new Option<int?>("--spread")
        {
            Description = "MambaIRv2 only: evaluate once with the deterministic routing and K times with the Gumbel routing (seeds --seed, --seed+1, ...), and report per set the min/median/max/std of the mean PSNR and SSIM over the K runs (K ≥ 2).",
            Validators = { r => { if (r.GetValueOrDefault<int?>() is < 2) r.AddError("--spread K: K must be 2 or more"); } },
        };
        var quiet = CliOptions.Quiet();
        var device = CliOptions.Device();
        var libtorch = CliOptions.LibTorch();
        var threads = CliOptions.Threads();

        var dtype = CliOptions.DType();
        var tf32 = CliOptions.Tf32();
        var cmd = new Command("eval", "Evaluate a model (or the bicubic baseline) on benchmark sets: PSNR/SSIM per image and per set, beside the published MambaIR numbers.")
        {
            model, datasets, scale, task, sigma, quality, tiling, ensemble, grey, template, save, csv, json, markdown, routing, seed, spread, quiet, device, dtype, tf32, libtorch, threads,
        };
        cmd.SetAction(pr =>
        {
            TorchRuntime.EnsureInitialized(pr.GetValue(libtorch));
            if (pr.GetValue(threads) is int t) torch.set_num_threads(t);
            var kind = RestorationTaskNames.Parse(pr.GetValue(task)!);
            var procedure = new TestProcedure(pr.GetValue(tiling)!.Trim().ToLowerInvariant() == "official" ? TilingMode.Official : TilingMode.None, pr.GetValue(ensemble));
            string modelArg = pr.GetValue(model)!;
            int? level = kind switch
            {
                RestorationTask.SuperResolution => pr.GetValue(scale),
                RestorationTask.Denoising => pr.GetValue(sigma) ?? throw new ArgumentException("--task denoise needs --sigma (e.g. 15, 25 or 50)"),
                _ => pr.GetValue(quality) ?? throw new ArgumentException("--task jpeg needs --quality (e.g. 10, 30 or 40)"),
            };
            var specs = pr.GetValue(datasets)!.Select(DatasetSpec.Parse).ToList();
            bool greyBaseline = pr.GetValue(grey) || kind == RestorationTask.JpegArtifactRemoval;
            if (modelArg.Trim().Equals("bicubic", StringComparison.OrdinalIgnoreCase) && level == null)
                throw new ArgumentException("--model bicubic needs --scale (2, 3 or 4)");

            int? runs = pr.GetValue(spread);
            // With --spread, --seed is the first of the K seeds.
            var route = CliOptions.ParseRouting(pr.GetValue(routing), runs == null ? pr.GetValue(seed) : null);
            if (runs != null && route.Mode != Models.V2.RoutingMode.Deterministic)
                throw new ArgumentException("--spread runs the Gumbel routing itself (seeds --seed, --seed+1, ...); leave out --routing gumbel");
            var evalDevice = ComputeDevice.Resolve(pr.GetValue(device));
            using var tf32Mode = evalDevice.type == TorchSharp.DeviceType.CUDA ? MambaIR.Native.Cuda.Tf32Mode.Set(CliOptions.ParseTf32(pr.GetValue(tf32))) : null;
            using var descriptor = ModelFactory.Create(modelArg, new ModelRequest
            {
                Routing = route,
                Purpose = kind.Purpose(), Scale = kind == RestorationTask.SuperResolution ? level : 1, Channels = greyBaseline ? 1 : 3,
                Device = evalDevice,
                DType = CliOptions.TryParseDType(pr.GetValue(dtype))!.Value,
            });
            if (descriptor.Untrained) throw new ArgumentException($"--model {modelArg} is an untrained preset (random weights); evaluate a checkpoint or a baseline");
            if (kind == RestorationTask.SuperResolution && level is { } requested && requested != descriptor.Scale)
                throw new ArgumentException($"--model {modelArg} is a ×{descriptor.Scale} model but --scale {requested} was requested; evaluate it with --scale {descriptor.Scale} or use a ×{requested} checkpoint");
            int effectiveLevel = level ?? descriptor.Scale;
            var options = new EvaluationOptions(kind, effectiveLevel, procedure, pr.GetValue(template), pr.GetValue(save));
            if (runs is int k)
            {
                if (descriptor.Model is not Models.V2.MambaIRv2Net)
                    throw new ArgumentException($"--spread: --model {modelArg} is {descriptor.Network?.Architecture.Label() ?? "a baseline"}, which has no routing (MambaIRv2 networks only)");
                long first = pr.GetValue(seed) ?? 0;
                var seeds = Enumerable.Range(0, k).Select(i => first + i).ToArray();
                Console.Error.WriteLine($"evaluating {descriptor.Summary}; deterministic routing, then Gumbel routing with seeds {first}..{first + k - 1}");
                var sr = RoutingSpread.Run(descriptor, options, specs, seeds, (sd, r) =>
                {
                    if (pr.GetValue(quiet)) return;
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(sd is long v ? $"gumbel seed {v}" : "deterministic")}: ") +
                        string.Join(", ", r.Datasets.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Name} {d.MeanPsnr:F4} dB / {d.MeanSsim:F4}"))));
                });
                Console.WriteLine();
                Console.Write(RoutingSpreadReport.ToConsole(sr));
                if (pr.GetValue(json) is string jp) { RoutingSpreadReport.WriteJson(sr, jp); Console.Error.WriteLine($"wrote {jp}"); }
                if (pr.GetValue(markdown) is string mp) { File.WriteAllText(mp, RoutingSpreadReport.ToMarkdown(sr)); Console.Error.WriteLine($"wrote {mp}"); }
                return sr.Deterministic.ImageCount > 0 ? 0 : 1;
            }
            CliOptions.CheckRouting(descriptor, route, modelArg);
            if (descriptor.Model is Models.V2.MambaIRv2Net) Console.Error.WriteLine($"routing: {route}");
            var runner = new EvaluationRunner(descriptor, options);
            Console.Error.WriteLine($"evaluating {descriptor.Summary}; {runner.Procedure}");
            var progress = pr.GetValue(quiet) ? null : new SyncProgress<EvaluationProgress>(ReportProgress);
            var result = runner.Run(specs, progress);

            Console.WriteLine();
            Console.Write(EvaluationReport.ToConsole(result));
            if (pr.GetValue(markdown) is string md) { EvaluationReport.WriteMarkdown(result, md); Console.Error.WriteLine($"wrote {md}"); }
            if (pr.GetValue(csv) is string c) { EvaluationCsv.Write(result, c); Console.Error.WriteLine($"wrote {c}"); }
            if (pr.GetValue(json) is string j) { EvaluationJson.Write(result, j); Console.Error.WriteLine($"wrote {j}"); }
            return result.ImageCount > 0 ? 0 : 1;
        });
        return cmd;
    }

    static void ReportProgress(EvaluationProgress p)
    {
        string head = $"[{p.Dataset} {p.Done}/{p.Total}]";
        if (p.Result is { } r)
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{head} {r.Name}: PSNR {EvaluationReport.FormatPsnr(r.Psnr)} dB  SSIM {EvaluationReport.FormatSsim(r.Ssim)}  {r.Seconds:F3} s"));
        else if (p.Skipped is { } s)
            Console.Error.WriteLine($"{head} skipped {s.Name}: {s.Reason}");
    }
}
