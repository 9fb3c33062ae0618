using System.CommandLine;
using MambaIR.Text.Synthetic;

namespace MambaIR.Cli.Commands;

/// <summary>`mambair textzoom generate`: synthetic TextZoom-format LMDB (rendered words, HR 128×32, degraded LR 64×16).</summary>
public sealed class TextZoomGenerateCommand : ICliCommand
{
    public Command Create()
    {
        var output = new Option<string>("--out") { Description = "LMDB folder to create (must not exist yet).", Required = true };
        var count = new Option<int>("--count") { Description = "Number of pairs.", DefaultValueFactory = _ => 300 };
        var seed = new Option<int>("--seed") { Description = "Seed; sample i depends only on (seed, i).", DefaultValueFactory = _ => 0 };
        var difficulty = new Option<string>("--difficulty") { Description = "Degradation preset: easy, medium, hard or mixed.", DefaultValueFactory = _ => "mixed" };
        var fonts = new Option<string?>("--fonts") { Description = "Folder of .ttf/.otf fonts (default: the bundled DejaVu fonts in assets/fonts)." };
        var preview = new Option<int>("--preview") { Description = "Also write the first N pairs as PNG files to OUT-preview/ for inspection.", DefaultValueFactory = _ => 0 };
        var cmd = new Command("generate", "Render a synthetic TextZoom-style LMDB (words in DejaVu fonts, random size/colour/rotation; LR = blur + Pillow bicubic ×½ + noise + JPEG).")
            { output, count, seed, difficulty, fonts, preview };
        cmd.SetAction(pr =>
        {
            int n = pr.GetValue(count);
            if (n <= 0) throw new ArgumentException($"--count must be positive, got {n}");
            string? fontDir = pr.GetValue(fonts);
            var opts = SyntheticTextZoomOptions.ForDifficulty(pr.GetValue(difficulty)!, pr.GetValue(seed)) with
            { FontFiles = fontDir == null ? null : FontLocator.InFolder(fontDir) };
            string outDir = pr.GetValue(output)!;
            using var gen = new SyntheticTextZoomGenerator(opts);
            gen.WriteLmdb(outDir, n, done => { if (done % 100 == 0 || done == n) Console.Error.Write($"\r{done}/{n}"); });
            Console.Error.WriteLine();
            int pv = Math.Min(pr.GetValue(preview), n);
            if (pv > 0)
            {
                string dir = Path.TrimEndingDirectorySeparator(outDir) + "-preview";
                Directory.CreateDirectory(dir);
                for (int i = 0; i < pv; i++)
                {
                    var s = gen.Generate(i);
                    File.WriteAllBytes(Path.Combine(dir, $"{i + 1:D4}_hr.png"), s.HighResPng);
                    File.WriteAllBytes(Path.Combine(dir, $"{i + 1:D4}_lr.png"), MambaIR.Imaging.Rgb8Image.Decode(s.LowResJpeg, "LR").EncodePng());
                    File.AppendAllText(Path.Combine(dir, "labels.txt"), $"{i + 1:D4}\t{s.Label}\t{s.Font}\tblur={s.BlurSigma:F2} noise={s.NoiseSigma:F2} q={s.JpegQuality}\n");
                }
            }
            Console.WriteLine($"wrote {n} pairs to {Path.GetFullPath(outDir)} (seed {opts.Seed}, {pr.GetValue(difficulty)})");
            return 0;
        });
        return cmd;
    }
}
