using System.Globalization;

namespace MambaIR.Training.Logging;

/// <summary>
/// BasicSR's console and log-file formats (<c>MessageLogger</c>, <c>_log_validation_metric_values</c>):
/// <c>[{name[:5]}..][epoch:{e:3d}, iter:{it:8,d}, lr:({lr:.3e},)] [eta: {timedelta}, time (data): {t:.3f} ({d:.3f})] l_pix: {v:.4e} </c>
/// and <c>Validation {set}\n\t # psnr: {v:.4f}\tBest: {b:.4f} @ {iter} iter</c>.
/// </summary>
public static class LogLineFormat
{
    static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>One training log line.</summary>
    public static string TrainLine(string name, long epoch, long iter, IReadOnlyList<double> lrs, TimeSpan? eta, double? iterTime, double? dataTime,
        IReadOnlyList<(string Name, double Value)> losses)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append('[').Append(name.Length > 5 ? name[..5] : name).Append("..][epoch:").Append(epoch.ToString(C).PadLeft(3))
          .Append(", iter:").Append(iter.ToString("#,0", C).PadLeft(8)).Append(", lr:(");
        foreach (var lr in lrs) sb.Append(PythonExp(lr, 3)).Append(',');
        sb.Append(")] ");
        if (iterTime is { } t && dataTime is { } d && eta is { } e)
            sb.Append("[eta: ").Append(TimeDelta(e)).Append(", ").Append("time (data): ").Append(t.ToString("F3", C)).Append(" (").Append(d.ToString("F3", C)).Append(")] ");
        foreach (var (k, v) in losses) sb.Append(k).Append(": ").Append(PythonExp(v, 4)).Append(' ');
        return sb.ToString();
    }

    /// <summary>The validation lines of one dataset.</summary>
    public static string ValidationLines(string dataset, IReadOnlyList<(string Metric, double Value, double Best, long BestIter)> metrics)
    {
        var sb = new System.Text.StringBuilder($"Validation {dataset}\n");
        foreach (var (m, v, b, it) in metrics)
            sb.Append("\t # ").Append(m).Append(": ").Append(v.ToString("F4", C)).Append("\tBest: ").Append(b.ToString("F4", C)).Append(" @ ").Append(it.ToString(C)).Append(" iter\n");
        return sb.ToString();
    }

    /// <summary>Python's <c>format(v, '.{digits}e')</c>: <c>2.000e-04</c>.</summary>
    public static string PythonExp(double v, int digits)
    {
        if (double.IsNaN(v)) return "nan";
        if (double.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
        string s = v.ToString("0." + new string('0', digits) + "e+00", C);
        return s;
    }

    /// <summary>Python's <c>str(datetime.timedelta(seconds=int(s)))</c>: <c>H:MM:SS</c> or <c>N day(s), H:MM:SS</c>.</summary>
    public static string TimeDelta(TimeSpan t)
    {
        long total = Math.Max(0, (long)Math.Floor(t.TotalSeconds));
        long days = total / 86400, rem = total % 86400;
        string hms = $"{rem / 3600}:{rem % 3600 / 60:D2}:{rem % 60:D2}";
        return days == 0 ? hms : $"{days} day{(days == 1 ? "" : "s")}, {hms}";
    }
}
