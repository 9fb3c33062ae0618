using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MambaIR.Evaluation;

/// <summary>Text, Markdown and JSON (schema <c>mambair-routing-spread/1</c>) forms of a <see cref="RoutingSpreadResult"/>.</summary>
public static class RoutingSpreadReport
{
    static string F(double v, int digits) => double.IsNaN(v) ? "—" : v.ToString("F" + digits, CultureInfo.InvariantCulture);

    /// <summary>One row per set: deterministic PSNR, then over the Gumbel seeds min / median / max / std (PSNR), and SSIM alike.</summary>
    public static string ToConsole(RoutingSpreadResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{r.Deterministic.Model}: {r.Deterministic.ModelDescription}");
        sb.AppendLine($"{r.Deterministic.Procedure}; {r.Seeds.Count} Gumbel seeds ({r.Seeds[0]}..{r.Seeds[^1]}); std is the sample standard deviation (n − 1)");
        sb.AppendLine($"{"set",-10} {"metric",-6} {"determ.",9} {"min",9} {"median",9} {"max",9} {"max−min",9} {"std",9}");
        foreach (var d in r.Datasets)
        {
            var p = d.PsnrSpread;
            sb.AppendLine($"{d.Dataset,-10} {"PSNR",-6} {F(d.DeterministicPsnr, 4),9} {F(p.Min, 4),9} {F(p.Median, 4),9} {F(p.Max, 4),9} {F(p.Max - p.Min, 4),9} {F(p.Std, 4),9}");
            var s = d.SsimSpread;
            sb.AppendLine($"{"",-10} {"SSIM",-6} {F(d.DeterministicSsim, 5),9} {F(s.Min, 5),9} {F(s.Median, 5),9} {F(s.Max, 5),9} {F(s.Max - s.Min, 5),9} {F(s.Std, 5),9}");
        }
        return sb.ToString();
    }

    /// <summary>The same table in Markdown.</summary>
    public static string ToMarkdown(RoutingSpreadResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"| set | metric | deterministic | Gumbel min | median | max | max − min | std (n−1) | seeds |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var d in r.Datasets)
        {
            var p = d.PsnrSpread;
            var s = d.SsimSpread;
            sb.AppendLine($"| {d.Dataset} | PSNR (dB) | {F(d.DeterministicPsnr, 4)} | {F(p.Min, 4)} | {F(p.Median, 4)} | {F(p.Max, 4)} | {F(p.Max - p.Min, 4)} | {F(p.Std, 4)} | {r.Seeds.Count} |");
            sb.AppendLine($"| {d.Dataset} | SSIM | {F(d.DeterministicSsim, 5)} | {F(s.Min, 5)} | {F(s.Median, 5)} | {F(s.Max, 5)} | {F(s.Max - s.Min, 5)} | {F(s.Std, 5)} | {r.Seeds.Count} |");
        }
        return sb.ToString();
    }

    /// <summary>Writes the per-seed values and the statistics as JSON.</summary>
    public static void WriteJson(RoutingSpreadResult r, string path)
    {
        static object Stats(SpreadStatistics s) => new { min = s.Min, median = s.Median, max = s.Max, mean = s.Mean, std = double.IsNaN(s.Std) ? (double?)null : s.Std };
        var doc = new
        {
            schema = "mambair-routing-spread/1",
            model = r.Deterministic.Model,
            description = r.Deterministic.ModelDescription,
            procedure = r.Deterministic.Procedure.ToString(),
            seeds = r.Seeds,
            datasets = r.Datasets.Select(d => new
            {
                name = d.Dataset,
                deterministic = new { psnr = d.DeterministicPsnr, ssim = d.DeterministicSsim },
                gumbel = new { psnr = d.Psnr, ssim = d.Ssim },
                psnr_spread = Stats(d.PsnrSpread),
                ssim_spread = Stats(d.SsimSpread),
            }),
        };
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        File.WriteAllText(path, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
    }
}
