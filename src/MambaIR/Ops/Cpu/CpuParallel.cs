namespace MambaIR.Ops.Cpu;

/// <summary>The kernels' parallel loop: work items on up to a given number of threads, each worker with its own scratch.</summary>
internal static class CpuParallel
{
    /// <summary>Runs <paramref name="body"/> over [0, items) on up to <paramref name="threads"/> workers, each with its own workspace.</summary>
    public static void For<T>(int items, int threads, int workspaceElements, Action<int, Workspace<T>> body) where T : unmanaged
    {
        if (threads <= 1 || items <= 1)
        {
            using var ws = new Workspace<T>(workspaceElements);
            for (int i = 0; i < items; i++) { body(i, ws); ws.Reset(); }
            return;
        }
        Parallel.For(0, items, new ParallelOptions { MaxDegreeOfParallelism = threads },
            () => new Workspace<T>(workspaceElements),
            (i, _, ws) => { body(i, ws); ws.Reset(); return ws; },
            ws => ws.Dispose());
    }
}
