using System.CommandLine;
using MambaIR.Data;
using MambaIR.Imaging;

namespace MambaIR.Cli.Commands;

/// <summary>`mambair data`: benchmark folders, DIV2K-style sub-images, BasicSR LMDBs, HR/LR pairing checks.</summary>
public sealed class DataCommand : ICliCommand
{
    public Command Create() => new("data", "Prepare data: benchmark HR/LR folders, sub-images, BasicSR LMDBs, pairing checks.")
    {
        Benchmark(), SubImages(), Lmdb(), LmdbCheck(), Pairs(),
    };

    static Option<string> Required(string name, string description) => new(name) { Description = description, Required = true };

    /// <summary>Prints "[done/total] name" lines to stderr; safe to call from several threads.</summary>
    static Action<int, int, string> Progress(string verb)
    {
        var gate = new object();
        return (done, total, name) => { lock (gate) Console.Error.WriteLine($"[{done,5}/{total}] {verb} {name}"); };
    }

    static Command Benchmark()
    {
        var hr = Required("--hr", "Folder of HR images (PNG, JPEG, BMP, TIFF, WebP).");
        var output = Required("--out", "Output root: writes HR/x{s}/{name}.png and LRBI/x{s}/{template}.png.");
        var scales = new Option<string>("--scales") { Description = "Comma-separated down-scaling factors.", DefaultValueFactory = _ => "2,3,4" };
        var template = new Option<string>("--lr-template")
        {
            Description = "LR file stem: {} = HR stem, {s} = scale. Default matches BasicSR filename_tmpl '{}x2' (e.g. babyx2.png); RCAN style: '{}_LRBI_x{s}'.",
            DefaultValueFactory = _ => "{}x{s}",
        };
        var border = new Option<string>("--border")
        {
            Description = "MATLAB imresize border: replicate (reproduces the published LR files) or symmetric (newer MATLAB / BasicSR Python).",
            DefaultValueFactory = _ => "replicate",
        };
        var cmd = new Command("benchmark", "Mod-crop HR images and make bicubic LR with exact MATLAB imresize (RCAN Prepare_TestData_HR_LR.m).")
        { hr, output, scales, template, border };
        cmd.SetAction(pr =>
        {
            var s = ParseScales(pr.GetValue(scales)!);
            var b = pr.GetValue(border) switch
            {
                "replicate" => ResizeBorder.Replicate,
                "symmetric" => ResizeBorder.Symmetric,
                var v => throw new ArgumentException($"--border must be replicate or symmetric, got '{v}'"),
            };
            var files = BenchmarkBuilder.Build(pr.GetValue(hr)!, pr.GetValue(output)!, new BenchmarkOptions(s, pr.GetValue(template)!, b), Progress("done"));
            Console.WriteLine($"wrote {files.Count} files under {pr.GetValue(output)}");
            return 0;
        });
        return cmd;
    }

    static int[] ParseScales(string text)
    {
        try { return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray(); }
        catch (FormatException) { throw new FormatException($"--scales must be comma-separated integers, got '{text}'"); }
    }

    static Command SubImages()
    {
        var input = Required("--input", "Folder of images to crop.");
        var output = Required("--out", "Output folder for {name}_s{NNN}{ext} crops.");
        var preset = new Option<string?>("--preset") { Description = "DIV2K preset: hr (480/240), x2 (240/120), x3 (160/80), x4 (120/60)." };
        var crop = new Option<int?>("--crop") { Description = "Crop size (instead of --preset)." };
        var step = new Option<int?>("--step") { Description = "Step between crops (instead of --preset)." };
        var thresh = new Option<int>("--thresh") { Description = "Add a last crop at the border when the remainder exceeds this.", DefaultValueFactory = _ => 0 };
        var level = new Option<int>("--compression") { Description = "PNG compression level 0-9 (BasicSR: 3).", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads") { Description = "Images processed in parallel.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("subimages", "Extract overlapping sub-images as BasicSR extract_subimages.py.")
        { input, output, preset, crop, step, thresh, level, threads };
        cmd.SetAction(pr =>
        {
            SubImageOptions o = (pr.GetValue(preset), pr.GetValue(crop), pr.GetValue(step)) switch
            {
                ("hr", null, null) => SubImageOptions.Hr,
                ({ } p, null, null) when p.Length == 2 && p[0] == 'x' && int.TryParse(p[1..], out int sc) => SubImageOptions.ForScale(sc),
                (null, { } c, { } st) => new SubImageOptions(c, st),
                _ => throw new ArgumentException("give either --preset hr|x2|x3|x4, or both --crop and --step"),
            };
            o = o with { ThreshSize = pr.GetValue(thresh), CompressionLevel = pr.GetValue(level) };
            int n = SubImageExtractor.ExtractFolder(pr.GetValue(input)!, pr.GetValue(output)!, o, pr.GetValue(threads), Progress("cropped"));
            Console.WriteLine($"wrote {n} sub-images ({o.CropSize}px, step {o.Step}, thresh {o.ThreshSize}) to {pr.GetValue(output)}");
            return 0;
        });
        return cmd;
    }

    static Command Lmdb()
    {
        var input = Required("--input", "Folder of images; keys are the file names without extension.");
        var output = Required("--out", "LMDB folder to create (must end with .lmdb).");
        var level = new Option<int>("--compression") { Description = "PNG compression level of the stored values (BasicSR: 1).", DefaultValueFactory = _ => 1 };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing data.mdb." };
        var cmd = new Command("lmdb", "Write a BasicSR image LMDB (data.mdb + meta_info.txt, PNG values), readable by py-lmdb.")
        { input, output, level, overwrite };
        cmd.SetAction(pr =>
        {
            var files = ImageFolder.List(pr.GetValue(input)!);
            var dupes = files.GroupBy(Path.GetFileNameWithoutExtension).FirstOrDefault(g => g.Count() > 1);
            if (dupes != null) throw new ArgumentException($"two images would share the key '{dupes.Key}': {string.Join(", ", dupes.Select(Path.GetFileName))}");
            var entries = ImageLmdb.WriteFromFiles(pr.GetValue(output)!, files.Select(f => (Path.GetFileNameWithoutExtension(f), f)),
                pr.GetValue(level), Progress("stored"), pr.GetValue(overwrite));
            long bytes = new FileInfo(Path.Combine(pr.GetValue(output)!, "data.mdb")).Length;
            Console.WriteLine($"wrote {entries.Count} images to {pr.GetValue(output)} ({bytes / (1024.0 * 1024.0):F1} MiB)");
            return 0;
        });
        return cmd;
    }

    static Command LmdbCheck()
    {
        var path = new Argument<string>("lmdb") { Description = "BasicSR image LMDB folder (X.lmdb)." };
        var cmd = new Command("lmdb-check", "Decode every image of a BasicSR LMDB and compare it with meta_info.txt.") { path };
        cmd.SetAction(pr =>
        {
            using var r = new ImageLmdbReader(pr.GetValue(path)!);
            var report = Progress("checked");
            var problems = new List<string>();
            for (int i = 0; i < r.Entries.Count; i++)
            {
                var e = r.Entries[i];
                try
                {
                    var img = r.Read(e.Key);
                    int c = img.Channels + (img.Alpha != null ? 1 : 0);
                    if ((img.Height, img.Width, c) != (e.Height, e.Width, e.Channels))
                        problems.Add($"{e.Key}: stored image is ({img.Height},{img.Width},{c}), meta_info says ({e.Height},{e.Width},{e.Channels})");
                }
                catch (Exception ex) when (ex is KeyNotFoundException or InvalidDataException) { problems.Add(ex.Message); }
                report(i + 1, r.Entries.Count, e.Key);
            }
            foreach (var p in problems) Console.Error.WriteLine($"problem: {p}");
            Console.WriteLine($"{r.Entries.Count} entries, {problems.Count} problem(s)");
            return problems.Count == 0 ? 0 : 1;
        });
        return cmd;
    }

    static Command Pairs()
    {
        var hr = Required("--hr", "HR (ground-truth) folder.");
        var lr = Required("--lr", "LR folder.");
        var template = new Option<string>("--template") { Description = "BasicSR filename_tmpl applied to the HR stem, e.g. '{}x2' or '{}_LRBI_x4'.", DefaultValueFactory = _ => "{}" };
        var scale = new Option<int?>("--scale") { Description = "Also check that HR size = LR size x scale (HR may be up to scale-1 px larger)." };
        var cmd = new Command("pairs", "Check that an HR and an LR folder pair up as BasicSR's PairedImageDataset expects.") { hr, lr, template, scale };
        cmd.SetAction(pr =>
        {
            var p = new PairedImageFolder(pr.GetValue(hr)!, pr.GetValue(lr)!, pr.GetValue(template)!);
            var problems = p.Problems(pr.GetValue(scale));
            foreach (var line in problems) Console.Error.WriteLine($"problem: {line}");
            Console.WriteLine($"{p.Pairs.Count} pairs, {problems.Count} problem(s)");
            return problems.Count == 0 ? 0 : 1;
        });
        return cmd;
    }
}
