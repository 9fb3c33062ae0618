using System.CommandLine;
using MambaIR.Models;
using MambaIR.Native;
using MambaIR.Text;
using MambaIR.Text.Evaluation;
using MambaIR.Text.Recognizers;

namespace MambaIR.Cli.Commands;

/// <summary>`mambair textzoom eval`: TextZoom accuracy, PSNR and SSIM of SR models, with the published rows beside them.</summary>
public sealed class TextZoomEvalCommand : ICliCommand
{
    public Command Create()
    {
        var data = new Option<string[]>("--data")
        { Description = "TextZoom LMDB folders, or a folder of them (e.g. TextZoom/test with easy, medium, hard).", Required = true, AllowMultipleArgumentsPerToken = true };
        var model = new Option<string[]>("--model", "-m")
        { Description = "bicubic (TextZoom's baseline: PyTorch bicubic ×2, align_corners=True), a MambaIR ×2 checkpoint or a bundled model; repeatable.", DefaultValueFactory = _ => ["bicubic"], AllowMultipleArgumentsPerToken = true };
        var recognizer = new Option<string[]>("--recognizer")
        {
            Description = "crnn=PATH, moran=PATH, aster=PATH, ppocr[=DIR]; comma-separated or repeated. Default: the installed ones (ppocr after scripts/install-ppocr.sh).",
            AllowMultipleArgumentsPerToken = true,
        };
        var batch = new Option<int>("--batch-size")
        {
            Description = "Batch size; defines the TSRN per-batch PSNR/SSIM averaging (48 as in TPGSR/TATT).", DefaultValueFactory = _ => 48,
            Validators = { r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"--batch-size {r.GetValueOrDefault<int>()}: must be 1 or more"); } },
        };
        var noHr = new Option<bool>("--no-hr") { Description = "Leave out the HR row (recognizers on the ground truth)." };
        var labels = new Option<string>("--labels") { Description = "Labels outside [0-9a-zA-Z]+punctuation: reject (skip and count) or filter (drop the characters, as the original loaders).", DefaultValueFactory = _ => "reject" };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file." };
        var quiet = CliOptions.Quiet();
        var device = CliOptions.Device();
        var libtorch = CliOptions.LibTorch();
        var threads = CliOptions.Threads();
        var cmd = new Command("eval", "Evaluate SR models on TextZoom(-format) LMDBs: word accuracy per recognizer (lower-case [0-9a-z] exact match), TSRN PSNR/SSIM, published rows side by side.")
            { data, model, recognizer, batch, noHr, labels, json, quiet, device, libtorch, threads };
        cmd.SetAction(pr =>
        {
            TorchRuntime.EnsureInitialized(pr.GetValue(libtorch));
            if (pr.GetValue(threads) is int t) TorchSharp.torch.set_num_threads(t);
            var policy = Enum.TryParse<TextZoomLabelPolicy>(pr.GetValue(labels), true, out var p) ? p
                : throw new ArgumentException($"--labels '{pr.GetValue(labels)}': expected reject or filter");
            var subsetPaths = TextZoomSubsets.Resolve(pr.GetValue(data)!);
            var specs = (pr.GetValue(recognizer) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            if (specs.Count == 0)
            {
                specs = TextRecognizerRegistry.Providers.Where(x => x.DefaultPath() != null).Select(x => x.Name).ToList();
                if (specs.Count == 0) throw new ArgumentException("no recognizer given and none installed: pass --recognizer crnn=PATH,... or run scripts/install-ppocr.sh for ppocr");
            }

            var datasets = new List<TextZoomDataset>();
            var models = new List<ModelDescriptor>();
            var recognizers = new List<ITextRecognizer>();
            try
            {
                foreach (var s in subsetPaths) datasets.Add(TextZoomDataset.Open(s, labels: policy));
                var computeDevice = ComputeDevice.Resolve(pr.GetValue(device));
                foreach (var m in pr.GetValue(model)!)
                {
                    var descriptor = ModelFactory.Create(m, new ModelRequest { Purpose = ModelPurpose.TextSuperResolution, Device = computeDevice });
                    models.Add(descriptor);
                    TextZoomEvaluator.Check(descriptor);
                }
                foreach (var s in specs) recognizers.Add(TextRecognizerRegistry.Load(s));
                Console.Error.WriteLine($"subsets: {string.Join(", ", datasets.Select(d => $"{d.Name} ({d.Count})"))}; models: {string.Join(", ", models.Select(m => m.Name))}; recognizers: {string.Join(", ", recognizers.Select(r => r.Name))}");
                var report = TextZoomEvaluator.Run(datasets, models, recognizers, new TextZoomEvalOptions
                {
                    BatchSize = pr.GetValue(batch),
                    IncludeHighRes = !pr.GetValue(noHr),
                    Progress = pr.GetValue(quiet) ? null : (name, done, total) => Console.Error.Write($"\r{name}: {done}/{total}   "),
                });
                Console.Error.WriteLine();
                Console.Write(TextZoomReportFormatter.Format(report));
                if (pr.GetValue(json) is { } jp)
                {
                    File.WriteAllText(jp, TextZoomReportJson.Serialize(report));
                    Console.WriteLine($"\nJSON report: {Path.GetFullPath(jp)}");
                }
                return 0;
            }
            finally
            {
                foreach (var r in recognizers) r.Dispose();
                foreach (var m in models) m.Dispose();
                foreach (var d in datasets) d.Dispose();
            }
        });
        return cmd;
    }
}
