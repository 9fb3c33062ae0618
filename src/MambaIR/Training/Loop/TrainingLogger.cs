using System.Globalization;

namespace MambaIR.Training.Loop;

/// <summary>Writes log lines as BasicSR's logger formats them (<c>%(asctime)s %(levelname)s: %(message)s</c>) to the log
/// file and to the run's output.</summary>
internal sealed class TrainingLogger : IDisposable
{
    readonly Action<string>? _output;
    StreamWriter? _file;

    public TrainingLogger(Action<string>? output) => _output = output;

    public string? FilePath { get; private set; }

    public void OpenFile(string path)
    {
        FilePath = path;
        _file = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public void Info(string message) => Write("INFO", message);
    public void Warning(string message) => Write("WARNING", message);
    public void Error(string message) => Write("ERROR", message);

    void Write(string level, string message)
    {
        string stamp = DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture);
        string line = $"{stamp} {level}: {message}";
        try { _file?.WriteLine(line); } catch (IOException) { /* a full disk must not hide the message itself */ }
        _output?.Invoke(line);
    }

    public void Dispose() { try { _file?.Dispose(); } catch (IOException) { } }
}
