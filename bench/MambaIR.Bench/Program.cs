using System.Text.Encodings.Web;
using System.Text.Json;
using MambaIR.Benchmarks;
using MambaIR.Native;

// MambaIR.Bench: the selective-scan benchmark at the classic-SR and light-SR block shapes (and, with `model`, whole
// networks), printing a table or, with --json, the report objects. The same measurements back `mambair bench`.
//   dotnet run -c Release --project bench/MambaIR.Bench -- [scan] [--shape classic|light|all] [--repeat R] [--threads N]
//       [--no-reference] [--reference-backward] [--json]
TorchRuntime.EnsureInitialized();
var opts = BenchArguments.Parse(args);
if (opts.Threads is { } t) TorchSharp.torch.set_num_threads(t);
var reports = new List<ScanBenchmark.Report>();
foreach (var shape in opts.Shapes)
{
    var report = ScanBenchmark.Run(shape, new ScanBenchmark.Options(Repeat: opts.Repeat, Reference: opts.Reference, ReferenceBackward: opts.ReferenceBackward),
        opts.Json ? null : msg => Console.Error.WriteLine($"  [{shape.Name}] {msg}"));
    reports.Add(report);
    if (!opts.Json) Console.WriteLine(ScanBenchmarkFormatter.Format(report));
}
if (opts.Json) Console.WriteLine(JsonSerializer.Serialize(reports, new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
return 0;

sealed record BenchArguments(IReadOnlyList<ScanBenchmarkShape> Shapes, int Repeat, int? Threads, bool Reference, bool ReferenceBackward, bool Json)
{
    public static BenchArguments Parse(string[] args)
    {
        var shapes = ScanBenchmarkShape.All;
        int repeat = 7; int? threads = null; bool reference = true, referenceBackward = false, json = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "scan": break;
                case "--shape": var s = Next(); shapes = s == "all" ? ScanBenchmarkShape.All : new[] { ScanBenchmarkShape.ByName(s) }; break;
                case "--repeat": repeat = int.Parse(Next()); break;
                case "--threads": threads = int.Parse(Next()); break;
                case "--no-reference": reference = false; break;
                case "--reference-backward": referenceBackward = true; break;
                case "--json": json = true; break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }
        return new BenchArguments(shapes, repeat, threads, reference, referenceBackward, json);
    }
}
