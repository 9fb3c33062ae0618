using ScottPlot;

namespace MambaIR.Training.Logging;

/// <summary>
/// PNG plots of an experiment (ScottPlot 5), redrawn at each validation from the CSV logs: <c>loss.png</c> (the pixel
/// loss per iteration and its running mean over 1 % of the iterations so far, log scale) and
/// <c>val_{dataset}_{metric}.png</c> (each validation value against the iteration). Each file is written to a temporary
/// name and renamed.
/// </summary>
public static class TrainingPlots
{
    /// <summary>Draws every plot into <paramref name="folder"/>; returns the files written.</summary>
    public static IReadOnlyList<string> Draw(string folder, string csvTrain, string csvValidation, string title)
    {
        var written = new List<string>();
        Directory.CreateDirectory(folder);
        if (File.Exists(csvTrain))
        {
            var rows = TrainingCsv.ReadLosses(csvTrain).Where(r => double.IsFinite(r.Loss) && r.Loss > 0).ToList();
            if (rows.Count > 0)
            {
                var plot = new Plot();
                double[] xs = rows.Select(r => (double)r.Iter).ToArray();
                double[] ys = rows.Select(r => Math.Log10(r.Loss)).ToArray();
                var raw = plot.Add.ScatterLine(xs, ys);
                raw.LegendText = "l_pix";
                raw.LineWidth = 1;
                int window = Math.Max(1, rows.Count / 100);
                if (window > 1)
                {
                    var smooth = RunningMean(rows.Select(r => r.Loss).ToArray(), window).Select(Math.Log10).ToArray();
                    var s = plot.Add.ScatterLine(xs, smooth);
                    s.LegendText = $"mean over {window}";
                    s.LineWidth = 2;
                }
                plot.Title($"{title}: training loss");
                plot.XLabel("iteration");
                plot.YLabel("log10 l_pix");
                plot.ShowLegend();
                written.Add(Save(plot, Path.Combine(folder, "loss.png")));
            }
        }
        if (File.Exists(csvValidation))
        {
            foreach (var group in TrainingCsv.ReadValidation(csvValidation).GroupBy(r => (r.Dataset, r.Metric)))
            {
                var pts = group.OrderBy(r => r.Iter).ToList();
                var plot = new Plot();
                var sc = plot.Add.Scatter(pts.Select(p => (double)p.Iter).ToArray(), pts.Select(p => p.Value).ToArray());
                sc.LegendText = $"{group.Key.Dataset} {group.Key.Metric}";
                plot.Title($"{title}: {group.Key.Dataset} {group.Key.Metric}");
                plot.XLabel("iteration");
                plot.YLabel(group.Key.Metric);
                string file = $"val_{Sanitize(group.Key.Dataset)}_{Sanitize(group.Key.Metric)}.png";
                written.Add(Save(plot, Path.Combine(folder, file)));
            }
        }
        return written;
    }

    static double[] RunningMean(double[] v, int w)
    {
        var r = new double[v.Length];
        double sum = 0;
        for (int i = 0; i < v.Length; i++)
        {
            sum += v[i];
            if (i >= w) sum -= v[i - w];
            r[i] = sum / Math.Min(i + 1, w);
        }
        return r;
    }

    static string Save(Plot plot, string path)
    {
        string tmp = path + ".tmp.png";
        plot.SavePng(tmp, 900, 500);
        File.Move(tmp, path, overwrite: true);
        return path;
    }

    static string Sanitize(string s) => new(s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
}
