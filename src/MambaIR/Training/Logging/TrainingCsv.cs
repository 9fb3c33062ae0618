using System.Globalization;

namespace MambaIR.Training.Logging;

/// <summary>
/// The per-iteration CSV (<c>training_log.csv</c>: <c>iter,epoch,lr,l_pix,time,data_time</c>) and the validation CSV
/// (<c>validation.csv</c>: <c>iter,dataset,metric,value</c>) of an experiment. Rows are appended and flushed as they come;
/// on resume the rows after the resumed iteration (written by the interrupted run) are removed first, so the files read
/// as one uninterrupted run.
/// </summary>
public sealed class TrainingCsv : IDisposable
{
    public const string TrainFile = "training_log.csv", ValidationFile = "validation.csv";
    const string TrainHeader = "iter,epoch,lr,l_pix,time,data_time", ValHeader = "iter,dataset,metric,value";
    readonly StreamWriter _train, _val;

    /// <param name="folder">The experiment folder.</param>
    /// <param name="resumeFrom">The iteration resumed from (rows after it are dropped), or null for a new run.</param>
    public TrainingCsv(string folder, long? resumeFrom)
    {
        TrainPath = Path.Combine(folder, TrainFile);
        ValidationPath = Path.Combine(folder, ValidationFile);
        _train = Open(TrainPath, TrainHeader, resumeFrom);
        _val = Open(ValidationPath, ValHeader, resumeFrom);
    }

    public string TrainPath { get; }
    public string ValidationPath { get; }

    static StreamWriter Open(string path, string header, long? resumeFrom)
    {
        if (resumeFrom is { } it && File.Exists(path))
        {
            var keep = File.ReadAllLines(path).Where((l, i) => i == 0 || (long.TryParse(l.Split(',')[0], NumberStyles.None, CultureInfo.InvariantCulture, out long r) && r <= it)).ToList();
            if (keep.Count == 0 || keep[0] != header) keep.Insert(0, header);
            File.WriteAllLines(path + ".tmp", keep);
            File.Move(path + ".tmp", path, overwrite: true);
            return new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        }
        var w = new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        w.WriteLine(header);
        return w;
    }

    public void AddIteration(long iter, long epoch, double lr, double loss, double time, double dataTime) =>
        _train.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{iter},{epoch},{lr:R},{loss:R},{time:F6},{dataTime:F6}"));

    public void AddValidation(long iter, string dataset, string metric, double value) =>
        _val.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{iter},{Quote(dataset)},{Quote(metric)},{value:R}"));

    static string Quote(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    /// <summary>Reads the training CSV back: (iter, loss) rows.</summary>
    public static IReadOnlyList<(long Iter, double Loss)> ReadLosses(string path) =>
        File.ReadLines(path).Skip(1).Select(l => l.Split(','))
            .Select(p => (long.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[3], CultureInfo.InvariantCulture))).ToList();

    /// <summary>Reads the validation CSV back: (iter, dataset, metric, value) rows.</summary>
    public static IReadOnlyList<(long Iter, string Dataset, string Metric, double Value)> ReadValidation(string path) =>
        File.ReadLines(path).Skip(1).Select(l => l.Split(','))
            .Select(p => (long.Parse(p[0], CultureInfo.InvariantCulture), p[1], p[2], double.Parse(p[3], CultureInfo.InvariantCulture))).ToList();

    public void Dispose() { _train.Dispose(); _val.Dispose(); }
}
