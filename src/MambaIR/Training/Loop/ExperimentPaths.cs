using System.Globalization;

namespace MambaIR.Training.Loop;

/// <summary>
/// BasicSR's experiment layout under <c>{experiments_root}/{name}/</c>: <c>models/net_g_{iter}.pth</c> (and
/// <c>net_g_latest.pth</c>), <c>training_states/{iter}.state</c>, <c>visualization/</c>, the log
/// <c>train_{name}_{time}.log</c> and a copy of the option file; here also <c>tb_logger/</c> (BasicSR puts it in
/// <c>tb_logger/{name}</c> beside <c>experiments/</c>), <c>plots/</c> and the CSV logs.
/// </summary>
public sealed record ExperimentPaths(string Root)
{
    public string Models => Path.Combine(Root, "models");
    public string TrainingStates => Path.Combine(Root, "training_states");
    public string Visualization => Path.Combine(Root, "visualization");
    public string TensorBoard => Path.Combine(Root, "tb_logger");
    public string Plots => Path.Combine(Root, "plots");

    /// <summary><c>models/net_g_{iter}.pth</c>; iteration −1 is <c>net_g_latest.pth</c>.</summary>
    public string Checkpoint(long iteration) => Path.Combine(Models, iteration < 0 ? "net_g_latest.pth" : $"net_g_{iteration.ToString(CultureInfo.InvariantCulture)}.pth");

    public string State(long iteration) => Path.Combine(TrainingStates, $"{iteration.ToString(CultureInfo.InvariantCulture)}.state");

    /// <summary>The newest resumable iteration: the largest <c>{iter}.state</c> whose <c>net_g_{iter}.pth</c> exists (BasicSR
    /// picks the largest state).</summary>
    public long? LatestResumable()
    {
        if (!Directory.Exists(TrainingStates)) return null;
        return Directory.EnumerateFiles(TrainingStates, "*.state").Select(TrainingState.IterationOf).Where(i => i is not null)
            .Select(i => i!.Value).Where(i => File.Exists(Checkpoint(i))).OrderDescending().Cast<long?>().FirstOrDefault();
    }

    public void Create()
    {
        foreach (var d in new[] { Root, Models, TrainingStates, Visualization }) Directory.CreateDirectory(d);
    }
}
