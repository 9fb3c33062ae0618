using System.Globalization;
using System.Text;

namespace MambaIR.Evaluation;

/// <summary>
/// The summary table of an evaluation: one row per test set with the mean PSNR/SSIM measured, the time per image, and
/// the published figures for the same task, level and set side by side (one column per published method), followed by
/// the settings, the sources of the published numbers, and what was skipped and why. Rendered as Markdown or as an
/// aligned plain-text table for the console.
/// </summary>
public static class EvaluationReport
{
    /// <summary>The report as Markdown (a pipe table plus notes).</summary>
    public static string ToMarkdown(EvaluationResult result) => Render(result, markdown: true);

    /// <summary>Writes <see cref="ToMarkdown"/> to <paramref name="path"/> (UTF-8), creating the folder.</summary>
    public static void WriteMarkdown(EvaluationResult result, string path) => EvaluationJson.WriteText(path, ToMarkdown(result));

    /// <summary>The report as aligned plain text for a terminal.</summary>
    public static string ToConsole(EvaluationResult result) => Render(result, markdown: false);

    static string Render(EvaluationResult r, bool markdown)
    {
        var methods = r.Datasets.SelectMany(r.PublishedFor).Select(p => p.Method).Distinct().ToList();
        var header = new List<string> { "Dataset", "Images", "PSNR (dB)", "SSIM", "s/image" };
        header.AddRange(methods.Select(m => $"{m} (published)"));
        var rows = new List<List<string>>();
        var notes = new List<string>();
        foreach (var d in r.Datasets)
        {
            var row = new List<string>
            {
                d.Name,
                d.Skipped.Count == 0 ? Inv(d.Images.Count) : $"{Inv(d.Images.Count)} ({Inv(d.Skipped.Count)} skipped)",
                FormatPsnr(d.MeanPsnr), FormatSsim(d.MeanSsim),
                d.Images.Count == 0 ? "-" : (d.RestoreSeconds / d.Images.Count).ToString("F3", CultureInfo.InvariantCulture),
            };
            var published = r.PublishedFor(d);
            foreach (var m in methods)
            {
                var p = published.FirstOrDefault(x => x.Method == m);
                if (p == null) { row.Add("-"); continue; }
                string cell = p.Ssim is double s
                    ? $"{p.Psnr.ToString("F2", CultureInfo.InvariantCulture)} / {s.ToString("F4", CultureInfo.InvariantCulture)}"
                    : p.Psnr.ToString("F2", CultureInfo.InvariantCulture);
                if (p.Note != null)
                {
                    notes.Add($"{m}, {d.Name} {r.Task.LevelLabel(r.Level)}: {p.Note}");
                    cell += $" [{notes.Count}]";
                }
                row.Add(cell);
            }
            rows.Add(row);
        }

        var sb = new StringBuilder();
        string title = $"{r.Task.ShortName()} {r.Task.LevelLabel(r.Level)}: {r.Model}";
        sb.AppendLine(markdown ? $"### {title}" : title);
        sb.AppendLine();
        if (markdown) AppendMarkdownTable(sb, header, rows); else AppendAlignedTable(sb, header, rows);
        sb.AppendLine();

        string bullet = markdown ? "- " : "  ";
        sb.AppendLine($"{bullet}model: {r.ModelDescription}");
        sb.AppendLine($"{bullet}input: {r.Degradation}");
        sb.AppendLine($"{bullet}procedure: {r.Procedure}; metrics: PSNR/SSIM on uint8 output, {r.Metric}; device: {r.Device}");
        sb.AppendLine($"{bullet}{Inv(r.ImageCount)} images in {r.Seconds.ToString("F2", CultureInfo.InvariantCulture)} s " +
                      $"({r.ImagesPerSecond.ToString("F2", CultureInfo.InvariantCulture)} images/s, I/O and metrics included)");
        foreach (var d in r.Datasets.Where(d => d.Layout.Length > 0))
            sb.AppendLine($"{bullet}{d.Name}: {d.Layout}");
        for (int i = 0; i < notes.Count; i++) sb.AppendLine($"{bullet}[{i + 1}] {notes[i]}");
        foreach (var source in r.Datasets.SelectMany(r.PublishedFor).Select(p => p.Source).Distinct())
            sb.AppendLine($"{bullet}published: {source}");
        if (r.Problems.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine(markdown ? $"**Sets not evaluated: {Inv(r.Problems.Count)}**" : $"Sets not evaluated: {Inv(r.Problems.Count)}");
            foreach (var p in r.Problems) sb.AppendLine($"{bullet}{p}");
        }
        if (r.SkippedCount > 0)
        {
            sb.AppendLine();
            sb.AppendLine(markdown ? $"**Skipped: {Inv(r.SkippedCount)} image(s)**" : $"Skipped: {Inv(r.SkippedCount)} image(s)");
            foreach (var d in r.Datasets)
                foreach (var s in d.Skipped)
                    sb.AppendLine($"{bullet}{d.Name}/{s.Name}: {s.Reason}");
        }
        return sb.ToString();
    }

    static void AppendMarkdownTable(StringBuilder sb, List<string> header, List<List<string>> rows)
    {
        sb.AppendLine("| " + string.Join(" | ", header) + " |");
        sb.AppendLine("|" + string.Join("|", header.Select((_, i) => i == 0 ? "---" : "---:")) + "|");
        foreach (var row in rows) sb.AppendLine("| " + string.Join(" | ", row.Select(c => c.Replace("|", "\\|"))) + " |");
    }

    static void AppendAlignedTable(StringBuilder sb, List<string> header, List<List<string>> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        string Line(List<string> cells) => string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd();
        sb.AppendLine(Line(header));
        sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows) sb.AppendLine(Line(row));
    }

    /// <summary>PSNR with 4 decimals (BasicSR's log precision), <c>inf</c> for identical images, <c>-</c> for none.</summary>
    public static string FormatPsnr(double v) => double.IsNaN(v) ? "-" : double.IsPositiveInfinity(v) ? "inf" : v.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>SSIM with 4 decimals, <c>-</c> for none.</summary>
    public static string FormatSsim(double v) => double.IsNaN(v) ? "-" : v.ToString("F4", CultureInfo.InvariantCulture);

    static string Inv(int v) => v.ToString(CultureInfo.InvariantCulture);
}
