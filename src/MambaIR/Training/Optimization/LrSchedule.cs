using MambaIR.Training.Options;

namespace MambaIR.Training.Optimization;

/// <summary>
/// BasicSR's learning-rate schedulers on one parameter group, stepping as BasicSR's <c>update_learning_rate</c> does:
/// the scheduler is created at <c>last_epoch = 0</c> and stepped once per iteration only from iteration 2 on, so at
/// iteration t (1-based) <c>last_epoch = t − 1</c> — the one-iteration lag: a milestone m takes effect at iteration m + 1.
/// <list type="bullet">
/// <item><c>MultiStepLR</c> (BasicSR's <c>MultiStepRestartLR</c>, chainable): at a restart, lr = initial_lr · weight; at a
/// milestone, lr ← lr · γ^(times listed); otherwise the group's lr is kept.</item>
/// <item><c>CosineAnnealingRestartLR</c> and Restormer's <c>CosineAnnealingRestartCyclicLR</c> (real denoising):
/// in period i (the first whose cumulative end ≥ last_epoch), lr = η_i + w_i · ½ (base − η_i)(1 + cos(π (last_epoch − start_i) / T_i)),
/// with one η for all periods in the first and one per period in the second; past the last period the last one continues.</item>
/// </list>
/// Linear warm-up (<c>warmup_iter</c> &gt; 0) is BasicSR's: for t &lt; warmup_iter, lr = initial_lr / warmup_iter · t, written
/// over the group's lr after the scheduler step. Because MultiStepLR is chainable, after warm-up it keeps the last
/// warm-up value (initial_lr · (warmup_iter − 1) / warmup_iter) until its next milestone, exactly as BasicSR does.
/// </summary>
public sealed class LrSchedule
{
    readonly SchedulerOptions _o;
    readonly long[] _cumulative;

    /// <summary>Creates the scheduler for a group starting at <paramref name="initialLr"/> (PyTorch's first implicit step).</summary>
    public LrSchedule(SchedulerOptions options, double initialLr, long warmupIter = -1)
    {
        _o = options;
        InitialLr = initialLr;
        WarmupIter = warmupIter;
        long acc = 0;
        _cumulative = options.Periods.Select(p => acc += p).ToArray();
        if (options.Kind != SchedulerKind.MultiStep && options.Periods.Count == 0) throw new ArgumentException("a cosine schedule needs periods");
        LastEpoch = 0;
        Lr = GetLr(initialLr);
    }

    public double InitialLr { get; }
    public long WarmupIter { get; }

    /// <summary>PyTorch's <c>last_epoch</c>.</summary>
    public long LastEpoch { get; private set; }

    /// <summary>The group's current learning rate.</summary>
    public double Lr { get; private set; }

    /// <summary>Restores a saved position (last_epoch and the group's lr, which a chainable schedule depends on).</summary>
    public void Restore(long lastEpoch, double lr) { LastEpoch = lastEpoch; Lr = lr; }

    /// <summary>BasicSR's <c>update_learning_rate(current_iter, warmup_iter)</c>; returns the lr for iteration <paramref name="currentIter"/>.</summary>
    public double Update(long currentIter)
    {
        if (currentIter > 1)
        {
            LastEpoch++;
            Lr = GetLr(Lr);
        }
        if (currentIter < WarmupIter) Lr = InitialLr / WarmupIter * currentIter;
        return Lr;
    }

    double GetLr(double groupLr)
    {
        long e = LastEpoch;
        switch (_o.Kind)
        {
            case SchedulerKind.MultiStep:
            {
                int r = IndexOf(_o.Restarts, e);
                if (r >= 0) return InitialLr * _o.RestartWeights[r];
                int times = _o.Milestones.Count(m => m == e);
                return times == 0 ? groupLr : groupLr * Math.Pow(_o.Gamma, times);
            }
            default:
            {
                int idx = Array.FindIndex(_cumulative, c => e <= c);
                if (idx < 0) idx = _cumulative.Length - 1;
                double weight = _o.RestartWeights[idx];
                long nearestRestart = idx == 0 ? 0 : _cumulative[idx - 1];
                double period = _o.Periods[idx];
                double etaMin = _o.Kind == SchedulerKind.CosineAnnealingRestart ? _o.EtaMins[0] : _o.EtaMins[idx];
                return etaMin + weight * 0.5 * (InitialLr - etaMin) * (1 + Math.Cos(Math.PI * ((e - nearestRestart) / period)));
            }
        }
    }

    static int IndexOf(IReadOnlyList<long> list, long v)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == v) return i;
        return -1;
    }
}
