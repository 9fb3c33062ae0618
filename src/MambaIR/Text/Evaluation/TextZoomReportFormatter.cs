using System.Globalization;
using System.Text;

namespace MambaIR.Text.Evaluation;

/// <summary>Plain-text tables of a <see cref="TextZoomReport"/> with the published rows (<see cref="PublishedTextZoomResults"/>) beside it.</summary>
public static class TextZoomReportFormatter
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Formats the report; <paramref name="publishedMethods"/> picks the published rows (default <see cref="PublishedTextZoomResults.DefaultMethods"/>).</summary>
    public static string Format(TextZoomReport report, IEnumerable<string>? publishedMethods = null)
    {
        var methods = (publishedMethods ?? PublishedTextZoomResults.DefaultMethods).ToArray();
        var sb = new StringBuilder();
        var first = report.Rows[0];
        sb.AppendLine($"TextZoom x2: {string.Join(", ", first.Subsets.Select(s => $"{s.Subset} ({s.Samples})"))}; {first.Average.Samples} images scored, {report.Skipped.Count} skipped.");
        sb.AppendLine("Accuracy: prediction and label lower-cased and filtered to [0-9a-z], exact match; avg = sample-weighted over subsets.");
        sb.AppendLine("Published rows are for the real TextZoom test set (easy 1,619 / medium 1,411 / hard 1,343); rows marked * are unverified transcriptions.");

        foreach (var rec in report.Recognizers)
        {
            bool comparable = !report.NotComparableRecognizers.Contains(rec);
            sb.AppendLine();
            sb.AppendLine(comparable
                ? $"Word accuracy (%), {rec.ToUpperInvariant()}"
                : $"Word accuracy (%), {rec} -- NOT comparable with the published CRNN/MORAN/ASTER rows (different recognizer)");
            Block(sb, report, s => 100 * s.Accuracy(rec), "F2");
            if (comparable) Published(sb, PublishedTextZoomResults.For(rec, methods), "F1");
        }

        sb.AppendLine();
        sb.AppendLine($"PSNR (dB), TSRN definition: RGB in [0,1], no crop/clamp, MSE pooled per batch of {report.BatchSize}, mean over batches; avg weighted by images");
        Block(sb, report, s => s.Psnr, "F2");
        Published(sb, PublishedTextZoomResults.For("psnr", methods), "F2");
        sb.AppendLine();
        sb.AppendLine($"SSIM, TSRN definition (pytorch-ssim: 11x11 Gaussian, zero padding, per batch of {report.BatchSize})");
        Block(sb, report, s => s.Ssim, "F4");
        Published(sb, PublishedTextZoomResults.For("ssim", methods), "F4");

        sb.AppendLine();
        sb.AppendLine("PSNR (dB), BasicSR definition: uint8 RGB after tensor2img (clamp, round), no crop, no Y, mean over images");
        Block(sb, report, s => s.BasicSrPsnr, "F2");
        sb.AppendLine();
        sb.AppendLine("SSIM, BasicSR definition (same inputs; 11x11 Gaussian, valid region, mean of channels)");
        Block(sb, report, s => s.BasicSrSsim, "F4");

        if (report.Skipped.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"Skipped {report.Skipped.Count} sample(s):");
            foreach (var s in report.Skipped.Take(20)) sb.AppendLine($"  {s.Reason}");
            if (report.Skipped.Count > 20) sb.AppendLine($"  ... and {report.Skipped.Count - 20} more (all are in the JSON report)");
        }
        return sb.ToString();
    }

    static void Block(StringBuilder sb, TextZoomReport report, Func<TextZoomScore, double?> value, string fmt)
    {
        var cols = report.Rows[0].Subsets.Select(s => s.Subset).Append("avg").ToArray();
        sb.AppendLine(Row("this run", cols));
        foreach (var r in report.Rows.Where(r => r.Subsets.Append(r.Average).Any(s => value(s) != null)))
            sb.AppendLine(Row("  " + r.Model, r.Subsets.Append(r.Average).Select(s => value(s) is { } v ? v.ToString(fmt, Inv) : "-")));
    }

    static void Published(StringBuilder sb, IReadOnlyList<PublishedRow> rows, string fmt)
    {
        if (rows.Count == 0) return;
        sb.AppendLine(Row("published", ["easy", "medium", "hard", "avg"]));
        foreach (var r in rows)
            sb.AppendLine(Row("  " + r.Method + (r.Verified ? "" : " *") + (r.Note != null ? " +" : ""), new[] { r.Easy, r.Medium, r.Hard, r.Average }.Select(v => v.ToString(fmt, Inv))));
        var sources = rows.Select(r => (r.Verified ? "" : "* ") + r.Source).Distinct();
        foreach (var s in sources) sb.AppendLine($"  source: {s}");
        foreach (var r in rows.Where(r => r.Note != null)) sb.AppendLine($"  + {r.Method}: {r.Note}");
    }

    static string Row(string name, IEnumerable<string> cells) =>
        name.PadRight(22) + string.Concat(cells.Select(c => c.PadLeft(9)));
}
