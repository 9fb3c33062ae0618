using System.Collections.Concurrent;

namespace MambaIR.Training.Distributed;

/// <summary>
/// One rank's collective operations, run one at a time in the order they were posted on a thread of their own, so a
/// reduction can be started from inside the backward (<see cref="IGradientAllReduce.BeginAllReduce"/>) and finish while
/// the backward goes on, and so every rank pairs its collectives with the others' in the same order whichever thread
/// posted them. The thread starts with the first post and ends when the rank is disposed.
/// </summary>
internal sealed class CollectiveThread(string name) : IDisposable
{
    readonly BlockingCollection<(Action Work, TaskCompletionSource Done)> _queue = new();
    readonly object _gate = new();
    Thread? _thread;

    /// <summary>Queues <paramref name="work"/>; the task completes (or faults with its exception) when it has run.</summary>
    public Task Post(Action work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = name };
                _thread.Start();
            }
            _queue.Add((work, done));
        }
        return done.Task;
    }

    /// <summary>Runs <paramref name="work"/> on the thread after everything posted before it, and waits for it.</summary>
    public void Run(Action work) => Wait(Post(work));

    /// <summary>Waits for a posted task, rethrowing its own exception (not an AggregateException).</summary>
    public static void Wait(Task task) => task.GetAwaiter().GetResult();

    void Run()
    {
        foreach (var (work, done) in _queue.GetConsumingEnumerable())
        {
            try { work(); done.SetResult(); }
            catch (Exception e) { done.SetException(e); }
        }
    }

    public void Dispose()
    {
        lock (_gate) _queue.CompleteAdding();
    }
}
