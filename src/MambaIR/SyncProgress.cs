namespace MambaIR;

/// <summary>
/// Reports progress on the calling thread, in order. (<see cref="Progress{T}"/> posts each report to the thread pool, so
/// lines can arrive late and out of order.)
/// </summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc/>
    public void Report(T value) => report(value);
}
