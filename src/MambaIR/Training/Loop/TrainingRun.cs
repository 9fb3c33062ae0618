using static TorchSharp.torch;

namespace MambaIR.Training.Loop;

/// <summary>How a training run is carried out (the options file says what is trained).</summary>
public sealed record TrainingRun
{
    /// <summary>Experiments go to <c>{ExperimentsRoot}/{name}/</c>; default <c>experiments</c> in the working directory, as BasicSR.</summary>
    public string ExperimentsRoot { get; init; } = "experiments";

    /// <summary>Continue from the newest <c>training_states/{iter}.state</c> of the experiment, if there is one (BasicSR's auto-resume).</summary>
    public bool AutoResume { get; init; }

    /// <summary>Where the network trains (default CPU).</summary>
    public Device? Device { get; init; }

    /// <summary>The command line, recorded in the copy of the options (<c># CMD:</c>) and the log.</summary>
    public string? CommandLine { get; init; }

    /// <summary>Receives every log line (they are also written to the log file).</summary>
    public Action<string>? Output { get; init; }

    /// <summary>Receives progress after every iteration (for a progress bar).</summary>
    public Action<TrainingProgress>? Progress { get; init; }

    /// <summary>Stop after this iteration as if the process had been killed there: nothing more is saved (for tests and
    /// for checking resume).</summary>
    public long? StopAfterIteration { get; init; }

    /// <summary>Stop once this much time has passed, after saving a checkpoint and training state at the current iteration
    /// (for time-boxed sessions; resume continues from there).</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Time each phase (data wait, forward, loss, backward, optimiser, EMA). On CUDA this synchronises the device
    /// at each phase boundary; on the CPU it costs nothing.</summary>
    public bool ProfilePhases { get; init; } = true;

    /// <summary>The ranks of a data-parallel run (one process or thread per device), or null to train alone. With more
    /// than one rank, each trains on its share of every epoch with <c>batch_size_per_gpu</c>, the gradients are averaged
    /// over the ranks before each optimiser step, and rank 0 alone writes logs, checkpoints and validation.</summary>
    public MambaIR.Training.Distributed.IGradientAllReduce? Ranks { get; init; }

    /// <summary>With several ranks: gradients are averaged in buckets of at least this many bytes while the backward runs
    /// (<see cref="MambaIR.Training.Distributed.OverlappedGradientAveraging"/>, PyTorch DDP's <c>bucket_cap_mb</c>); null
    /// averages them all after the backward.</summary>
    public long? GradientBucketCapBytes { get; init; } = MambaIR.Training.Distributed.OverlappedGradientAveraging.DefaultBucketCapBytes;

    /// <summary>Mixed precision: bfloat16 runs the forward and backward (products and convolutions; the scan, norms and
    /// loss in float32) on a copy of the float32 weights, which stay what is optimised, averaged and saved
    /// (<see cref="MambaIR.Training.Optimization.MasterWeights"/>); null trains in the network's own float32.</summary>
    public ScalarType? MixedPrecision { get; init; }

    /// <summary>Memory budget for on-the-fly LR images in HR-only mode.</summary>
    public long LrCacheBytes { get; init; } = 1L << 30;
}

/// <summary>Progress of a run after one iteration.</summary>
public sealed record TrainingProgress(long Iteration, long TotalIterations, long Epoch, double Loss, double Lr, double IterationSeconds, double DataSeconds, TimeSpan Eta);

/// <summary>Accumulated seconds per phase of the training step, over the iterations of a run after its first.</summary>
public sealed class PhaseTimes
{
    public double Data, Forward, Loss, Backward, Optimizer, Ema, Iterations;

    /// <summary>Adds one iteration's phases.</summary>
    public void Add(PhaseTimes one)
    {
        Data += one.Data; Forward += one.Forward; Loss += one.Loss; Backward += one.Backward; Optimizer += one.Optimizer; Ema += one.Ema;
        Iterations++;
    }
    /// <summary>Data, loss, optimiser and EMA together, as a share of forward + backward.</summary>
    public double OverheadShare => Forward + Backward > 0 ? (Data + Loss + Optimizer + Ema) / (Forward + Backward) : double.NaN;

    public override string ToString() => Iterations == 0 ? "no iterations" : string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"per iteration (mean of {Iterations} after the first): data wait {Data / Iterations * 1000:F1} ms, forward {Forward / Iterations * 1000:F1} ms, loss {Loss / Iterations * 1000:F1} ms, " +
        $"backward {Backward / Iterations * 1000:F1} ms, optimiser {Optimizer / Iterations * 1000:F1} ms, EMA {Ema / Iterations * 1000:F1} ms; " +
        $"data+loss+optimiser+EMA = {OverheadShare * 100:F2} % of forward+backward");
}

/// <summary>What a run ended with.</summary>
/// <param name="ExperimentFolder">The experiment folder.</param>
/// <param name="Iteration">The last iteration trained.</param>
/// <param name="Completed">True when total_iter was reached (and net_g_latest.pth written).</param>
/// <param name="LastCheckpoint">The newest checkpoint written, if any.</param>
/// <param name="Losses">The loss of every iteration this run trained (iteration, value).</param>
public sealed record TrainingResult(string ExperimentFolder, long Iteration, bool Completed, string? LastCheckpoint, PhaseTimes Times,
    IReadOnlyDictionary<string, BestMetric> Best, IReadOnlyList<(long Iteration, double Loss)> Losses, long ResumedFrom);

/// <summary>
/// Training stopped on purpose because it cannot go on: a non-finite loss, a checkpoint that cannot be written, data that
/// cannot be read. The message names the iteration, the cause, and the last good checkpoint, which is left intact.
/// </summary>
public sealed class TrainingStoppedException : InvalidOperationException
{
    public TrainingStoppedException(string message, long iteration, string? lastCheckpoint, Exception? inner = null) : base(message, inner)
    {
        Iteration = iteration;
        LastCheckpoint = lastCheckpoint;
    }

    public long Iteration { get; }
    public string? LastCheckpoint { get; }
}
