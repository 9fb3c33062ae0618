using System.Diagnostics;
using System.Globalization;
using MambaIR.Checkpoints;
using MambaIR.Models;
using MambaIR.Training.Data;
using MambaIR.Training.Distributed;
using MambaIR.Training.Logging;
using MambaIR.Training.Optimization;
using MambaIR.Training.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Loop;

/// <summary>
/// BasicSR's <c>train.py</c> with MambaIR's model, for MambaIR v1, MambaIRv2/v2-light (their models train as SRModel)
/// and the real-denoising U-Net (Restormer's <c>ImageCleanModel</c>: progressive patches, mixup): per iteration
/// <c>current_iter += 1</c>, learning-rate update (<see cref="LrSchedule"/>), zero_grad, forward, pixel loss, backward,
/// optional gradient clipping, Adam/AdamW step, EMA update; a log line every <c>print_freq</c>, checkpoint and training
/// state every <c>save_checkpoint_freq</c>, validation every <c>val_freq</c>; at the end <c>net_g_latest.pth</c> and a last
/// validation. Resumed runs (auto-resume or <c>path:resume_state</c>) continue at the very batch where the state was
/// saved with the same weights, optimiser moments, schedule, torch RNG and data stream, so on the CPU the losses and
/// weights are bit-identical to an uninterrupted run. With <see cref="TrainingRun.Ranks"/> of more than one rank it is
/// BasicSR's distributed training: each rank trains on its <see cref="DistributedEpochSampler"/> share with
/// <c>batch_size_per_gpu</c>, gradients (and the logged losses) are averaged over the ranks after the backward and
/// before the step, and rank 0 alone writes logs, checkpoints and validation while the others wait at a barrier.
/// A non-finite loss, a checkpoint that cannot be written, and data
/// that cannot be read stop the run with <see cref="TrainingStoppedException"/>, the last checkpoint left intact.
/// </summary>
public sealed class Trainer : IDisposable
{
    readonly TrainOptions _opt;
    readonly TrainingRun _run;
    readonly Device _device;
    readonly ExperimentPaths _paths;
    readonly TrainingLogger _log;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly List<IDisposable> _owned = [];
    readonly Dictionary<string, BestMetric> _best = new(StringComparer.Ordinal);
    readonly PhaseTimes _times = new();
    readonly List<(long, double)> _losses = [];

    nn.Module<Tensor, Tensor> _net = null!;
    nn.Module<Tensor, Tensor>? _emaNet;
    INetworkConfig _config = null!;
    ProgressivePatches? _progressive;
    int _loggedStage = -1;
    ModelEma? _ema;
    AdamOptimizer _optimizer = null!;
    MasterWeights? _mixed;
    LrSchedule _schedule = null!;
    PixelLoss _loss = null!;
    GradientProfileLoss? _gradLoss;
    ITrainingDataset _data = null!;
    IEpochSampler _sampler = null!;
    readonly IGradientAllReduce? _ranks;
    OverlappedGradientAveraging? _overlap;
    int _batch;
    /// <summary>True when training data-parallel over several ranks.</summary>
    bool Distributed => _ranks is { WorldSize: > 1 };
    /// <summary>The rank that writes (the only one without data-parallel training).</summary>
    bool Rank0 => !Distributed || _ranks!.Rank == 0;
    Validator? _validator;
    TensorBoardWriter? _tb;
    TrainingCsv? _csv;
    long _iter, _epoch, _batchInEpoch, _resumedFrom;
    string? _lastCheckpoint;
    long? _lastCheckpointIter;

    /// <summary>The loss terms as logged: <c>l_pix</c> alone, or <c>l_pix</c> and <c>l_grad</c> with the gradient term.</summary>
    (string, double)[] LossParts(double total, double pix, double grad) =>
        _gradLoss is null ? [(_loss.LogName, total)] : [(_loss.LogName, pix), (_gradLoss.LogName, grad)];

    /// <summary>Trains as <paramref name="options"/> says; see <see cref="Trainer"/>.</summary>
    /// <exception cref="NotSupportedException">The options ask for something this trainer cannot do (every problem listed).</exception>
    /// <exception cref="TrainingStoppedException">Training had to stop (the message says why and where the last checkpoint is).</exception>
    public static TrainingResult Train(TrainOptions options, TrainingRun run)
    {
        using var t = new Trainer(options, run);
        return t.Run();
    }

    Trainer(TrainOptions options, TrainingRun run)
    {
        _opt = options.EnsureTrainable();
        _run = run;
        _device = run.Device ?? CPU;
        _ranks = run.Ranks;
        _paths = new ExperimentPaths(Path.GetFullPath(Path.Combine(run.ExperimentsRoot, options.Name)));
        _log = new TrainingLogger(Rank0 ? run.Output : null);
        _owned.Add(_log);
    }

    /// <summary>The experiment folder.</summary>
    public string ExperimentFolder => _paths.Root;

    TrainingResult Run()
    {
        long? resumeIter = FindResume(out string? resumeStatePath);
        if (Rank0) Prepare(resumeIter);
        Build(resumeStatePath);
        return Loop();
    }

    long? FindResume(out string? statePath)
    {
        statePath = null;
        if (_opt.ResumeState is { } explicitState)
        {
            if (!File.Exists(explicitState)) throw new FileNotFoundException($"path:resume_state: training state not found: {explicitState}", explicitState);
            statePath = explicitState;
            return TrainingState.IterationOf(explicitState) ?? throw new ArgumentException($"path:resume_state: {explicitState} is not named {{iter}}.state");
        }
        if (!_run.AutoResume) return null;
        var latest = _paths.LatestResumable();
        if (latest is long it) statePath = _paths.State(it);
        return latest;
    }

    void Prepare(long? resumeIter)
    {
        if (resumeIter == null && Directory.Exists(_paths.Root))
        {
            string archived = $"{_paths.Root}_archived_{DateTime.Now:yyyyMMdd_HHmmss}";
            Directory.Move(_paths.Root, archived);
            _pendingNotes.Add($"Path already exists. Rename it to {archived}");
        }
        _paths.Create();
        string stamp = DateTime.Now.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        _log.OpenFile(Path.Combine(_paths.Root, $"train_{_opt.Name}_{stamp}.log"));
        foreach (var n in _pendingNotes) _log.Info(n);
        CopyOptions();
        _log.Info($"MambaIR.NET training {_opt.Name} from {Path.GetFullPath(_opt.SourceFile)}" + (_opt.Overrides.Count > 0 ? $" with overrides {string.Join(" ", _opt.Overrides)}" : ""));
        if (_run.CommandLine != null) _log.Info($"Command: {_run.CommandLine}");
        if (_opt.UnusedKeysWarning is { } w) _log.Warning(w);
        if (_opt.SeedWasChosen) _log.Info($"manual_seed was not set; using random seed {_opt.ManualSeed}");
        _log.Info($"Device: {_device}; torch threads: {get_num_threads()}");
    }

    readonly List<string> _pendingNotes = [];

    void CopyOptions()
    {
        string target = Path.Combine(_paths.Root, Path.GetFileName(_opt.SourceFile));
        var header = new List<string>
        {
            $"# GENERATE TIME: {DateTime.Now.ToString("ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture)}",
            "# CMD:",
            $"# {_run.CommandLine ?? "(library call)"}",
        };
        if (_opt.Overrides.Count > 0) header.Add("# overrides: " + string.Join(" ", _opt.Overrides));
        if (_opt.SeedWasChosen) header.Add($"# manual_seed chosen: {_opt.ManualSeed}");
        header.Add("");
        var body = File.Exists(_opt.SourceFile) ? File.ReadAllLines(_opt.SourceFile) : [];
        if (Path.GetFullPath(target) == Path.GetFullPath(_opt.SourceFile)) return;
        AtomicWriteLines(target, header.Concat(body));
    }

    static void AtomicWriteLines(string path, IEnumerable<string> lines)
    {
        string tmp = path + ".tmp";
        File.WriteAllLines(tmp, lines);
        File.Move(tmp, path, overwrite: true);
    }

    void Build(string? resumeStatePath)
    {
        long seed = _opt.ManualSeed;
        manual_seed(seed);
        var train = _opt.Train!;
        _data = train.Kind == DatasetKind.TextZoom
            ? new TextZoomTrainingSet(train.TextZoom!)
            : new PairedImageDataset(train, _run.LrCacheBytes);
        _owned.Add(_data);
        if (_data.Channels != _opt.Network.Config!.InChans)
            throw new NotSupportedException($"datasets:{train.Key}: {_data.Channels}-channel images but network_g:in_chans is {_opt.Network.Config.InChans}");
        _sampler = Distributed
            ? new DistributedEpochSampler(_data.Count, train.DatasetEnlargeRatio, train.UseShuffle, _ranks!.WorldSize, _ranks.Rank)
            : new EpochSampler(_data.Count, train.DatasetEnlargeRatio, train.UseShuffle);
        int batch = _batch = Distributed ? train.BatchSizePerGpu : _opt.BatchSize;
        long iterPerEpoch = _sampler.BasicSrItersPerEpoch(batch);
        long totalEpochs = (_opt.TotalIter + iterPerEpoch - 1) / iterPerEpoch;
        _log.Info("Training statistics:" +
                  $"\n\tNumber of train images: {_data.Count}" +
                  $"\n\tDataset enlarge ratio: {train.DatasetEnlargeRatio}" +
                  $"\n\tBatch size per gpu: {train.BatchSizePerGpu}" +
                  $"\n\tWorld size (gpu number): {(Distributed ? _ranks!.WorldSize : Math.Max(1, _opt.NumGpu))}" +
                  $"\n\tRequire iter number per epoch: {iterPerEpoch}" +
                  $"\n\tTotal epochs: {totalEpochs}; iters: {_opt.TotalIter}.");
        if (Distributed) _log.Info($"Data-parallel training: {_ranks!.Description}; batch_size_per_gpu {batch} per rank, global batch {batch * _ranks.WorldSize}; gradients averaged over the ranks before each step");
        else if (_opt.NumGpu > 1) _log.Info($"Total batch {batch} = batch_size_per_gpu {train.BatchSizePerGpu} × num_gpu {_opt.NumGpu}, on one device (BasicSR without distributed training)");
        if (_data is PairedImageDataset p && p.HrOnly) _log.Info($"{p.Name}: no dataroot_lq, so LR images are made on the fly with MATLAB bicubic ×1/{_opt.Scale} of the mod-cropped HR");

        if (Rank0 && _opt.ValidationSets.Count > 0 && _opt.Val != null)
        {
            _validator = new Validator(_opt.ValidationSets, _opt.Val);
            _owned.Add(_validator);
            foreach (var n in _validator.Notes) _log.Warning(n);
            foreach (var v in _opt.ValidationSets) _log.Info($"Number of val images/folders in {v.Name}: {CountOf(v)}");
        }
        else if (Rank0 && _opt.Val != null) _log.Warning("val is set but datasets has no val entry; no validation");

        var config = _config = _opt.Network.Config!;
        _net = CreateNetwork();
        _owned.Add(_net);
        _net.to(_device);
        long parameters = _net.parameters().Sum(t => t.numel());
        _log.Info($"Network [{_opt.Network.Type}] is created: {config}" + (config is MambaIRConfig ? $"; drop_path_rate {_opt.Network.DropPathRate.ToString(CultureInfo.InvariantCulture)}" : "") + $"; {parameters:N0} parameters");
        if (train.Progressive is { } prog)
        {
            _progressive = new ProgressivePatches(prog, train.GtSize!.Value);
            _log.Info($"Progressive training: patch sizes [{string.Join(", ", prog.GtSizes)}], batch per GPU [{string.Join(", ", prog.MiniBatchSizes)}] (at most batch_size_per_gpu {train.BatchSizePerGpu}), for [{string.Join(", ", prog.Iters)}] iterations");
        }
        if (_opt.Mixup is { } mix) _log.Info($"Mixing augmentation: mixup β {mix.Beta.ToString(CultureInfo.InvariantCulture)}{(mix.UseIdentity ? ", or the batch as it is (use_identity)" : "")}");
        if (resumeStatePath == null && _opt.PretrainNetworkG is { } pre)
        {
            var report = PretrainedWeights.Load(_net, pre, _opt.ParamKeyG, _opt.StrictLoadG);
            foreach (var l in report.Lines()) _log.Info(l);
        }
        _net.train();
        if (_opt.EmaDecay > 0)
        {
            _log.Info($"Use Exponential Moving Average with decay: {_opt.EmaDecay.ToString(CultureInfo.InvariantCulture)}");
            _emaNet = CreateNetwork();
            _owned.Add(_emaNet);
            _emaNet.to(_device);
            _ema = new ModelEma(_emaNet, _net, _opt.EmaDecay);
            if (resumeStatePath == null && _opt.PretrainNetworkG is { } preEma)
                foreach (var l in PretrainedWeights.Load(_emaNet, preEma, "params_ema", _opt.StrictLoadG).Lines()) _log.Info("EMA: " + l);
            else _ema.CopyFrom();
            _emaNet.eval();
        }
        if (_run.MixedPrecision is { } reduced)
        {
            _mixed = new MasterWeights(_net, CreateNetwork(), reduced);
            _owned.Add(_mixed);
            _mixed.Compute.train();
            var (inReduced, all) = _mixed.ParameterCounts;
            _log.Info($"Mixed precision: forward and backward in {reduced.ToString().ToLowerInvariant()} on a copy of the float32 weights " +
                      $"({inReduced} of {all} parameter tensors reduced, the others kept float32; the selective scan and the loss in float32); " +
                      "the optimiser, EMA, validation and checkpoints use the float32 weights");
        }
        _optimizer = new AdamOptimizer(_net.named_parameters().Select(x => (x.name, x.parameter)), _opt.Optimizer!);
        _owned.Add(_optimizer);
        if (_device.type == DeviceType.CUDA)
        {
            _log.Info($"Optimiser and EMA updates: {_optimizer.DescribeUpdatePath()}");
            _log.Info(MambaIR.Native.Cuda.CudnnAutotune.ForTraining());
        }
        _schedule = new LrSchedule(_opt.Scheduler!, _opt.Optimizer!.Lr, _opt.WarmupIter);
        _loss = new PixelLoss(_opt.PixelLoss!);
        if (_opt.GradientLoss is { } gradOpt)
        {
            _gradLoss = new GradientProfileLoss(gradOpt);
            _log.Info($"Loss: {_loss.LogName} + {_gradLoss.LogName} (GradientProfileLoss, weight {gradOpt.Weight.ToString(CultureInfo.InvariantCulture)})");
        }

        if (resumeStatePath != null) Resume(resumeStatePath);
        if (Distributed)
        {
            // DDP's start: every rank takes rank 0's weights; the stochastic-depth draws differ per rank (BasicSR seeds manual_seed + rank).
            _ranks!.BroadcastFromRank0(_net.parameters().Concat(_emaNet?.parameters() ?? []).ToArray());
            if (_ranks.Rank > 0) manual_seed(seed + _ranks.Rank);
            if (_run.GradientBucketCapBytes is not null && _mixed is not null)
                _log.Info("Gradient reduction: all gradients after the backward (mixed precision: the float32 gradients exist only once the backward is done)");
            else if (_run.GradientBucketCapBytes is { } cap)
            {
                _overlap = new OverlappedGradientAveraging(_net, _ranks, cap);
                _owned.Add(_overlap);
            }
            else _log.Info("Gradient reduction: all gradients after the backward (no buckets during it)");
        }
        if (!Rank0) return;
        _csv = new TrainingCsv(_paths.Root, resumeStatePath != null ? _iter : null);
        _owned.Add(_csv);
        if (_opt.Logger.UseTensorBoard)
        {
            _tb = new TensorBoardWriter(_paths.TensorBoard);
            _owned.Add(_tb);
            if (_iter > 0) _tb.AddSessionStart(_iter + 1);
        }
    }

    /// <summary>A fresh network of the configured architecture (v1 with its stochastic depth).</summary>
    nn.Module<Tensor, Tensor> CreateNetwork() => _config is MambaIRConfig v1 ? new MambaIRNet(v1, _opt.Network.DropPathRate) : _config.CreateNetwork();

    /// <summary>The real-denoising training's progressive patches and mixup, one GPU's part of the batch at a time
    /// (<see cref="ProgressivePatches"/>, <see cref="MixingAugment"/>); the batch as it is otherwise.</summary>
    (Tensor Lq, Tensor Gt) PrepareBatch(Tensor lq, Tensor gt, long iter)
    {
        if (_progressive == null && _opt.Mixup == null) return (lq, gt);
        int perGpu = _opt.Train!.BatchSizePerGpu, parts = (int)(lq.shape[0] / perGpu);
        ProgressiveStage? stage = null;
        if (_progressive != null)
        {
            stage = _progressive.StageAt(iter);
            if (stage.Value.Index != _loggedStage)
            {
                _loggedStage = stage.Value.Index;
                _log.Info($"Updating Patch_Size to {stage.Value.GtSize} and Batch_Size to {Math.Min(stage.Value.MiniBatchSize, perGpu) * parts}");
            }
        }
        var lqs = new List<Tensor>();
        var gts = new List<Tensor>();
        for (int r = 0; r < parts; r++)
        {
            var rng = ProgressivePatches.RandomFor(_opt.ManualSeed, iter, r);
            var l = lq.narrow(0, r * perGpu, perGpu);
            var g = gt.narrow(0, r * perGpu, perGpu);
            if (stage is { } st) (l, g) = ProgressivePatches.Cut(l, g, st, _progressive!.GtSize, rng);
            if (_opt.Mixup is { } mix) (l, g) = MixingAugment.Apply(l, g, mix, rng);
            lqs.Add(l);
            gts.Add(g);
        }
        return parts == 1 ? (lqs[0], gts[0]) : (cat(lqs, 0), cat(gts, 0));
    }

    static string CountOf(DatasetOptions v) => v.Kind == DatasetKind.TextZoom ? "TextZoom LMDB" : string.Join(", ", v.DatarootGt);

    void Resume(string statePath)
    {
        var state = TrainingState.Load(statePath);
        try
        {
            long it = state.Iteration;
            string ckpt = _paths.Checkpoint(it);
            if (TrainingState.IterationOf(statePath) is long named && named != it)
                throw new InvalidDataException($"{statePath}: holds iteration {it}, not {named}");
            if (!File.Exists(ckpt)) ckpt = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(statePath)))!, "models", Path.GetFileName(ckpt));
            _log.Info($"Resuming training from epoch: {state.Epoch}, iter: {it}.");
            foreach (var l in PretrainedWeights.Load(_net, ckpt, "params", strict: true).Lines()) _log.Info(l);
            if (_emaNet != null) foreach (var l in PretrainedWeights.Load(_emaNet, ckpt, "params_ema", strict: true).Lines()) _log.Info("EMA: " + l);
            _optimizer.Load(state.Optimizer, statePath);
            _optimizer.Lr = state.Lr;
            _schedule.Restore(state.SchedulerLastEpoch, state.Lr);
            if (state.Seed != _opt.ManualSeed)
                _log.Warning($"the training state was written with manual_seed {state.Seed}, the options say {_opt.ManualSeed}; the data stream follows the options");
            random.set_rng_state(state.TorchRngState);
            foreach (var (k, b) in state.Best) _best[k] = b;
            _iter = it; _resumedFrom = it; _epoch = state.Epoch; _batchInEpoch = state.BatchInEpoch;
            _lastCheckpoint = ckpt;
            _lastCheckpointIter = it;
        }
        finally { state.Dispose(); }
    }

    TrainingResult Loop()
    {
        var train = _opt.Train!;
        int workers = train.NumWorkerPerGpu * (Distributed ? 1 : Math.Max(1, _opt.NumGpu));
        int cores = Environment.ProcessorCount;
        if (workers > cores) { _log.Info($"{workers} loader workers requested; using {cores} (one per CPU core)"); workers = cores; }
        int capacity = train.PrefetchQueue ?? Math.Max(2, 2 * workers);
        var loader = new BatchLoader(_data, _sampler, _batch, _opt.ManualSeed, workers, capacity,
            _batchInEpoch >= _sampler.BatchesPerEpoch(_batch) ? _epoch + 1 : _epoch,
            _batchInEpoch >= _sampler.BatchesPerEpoch(_batch) ? 0 : _batchInEpoch);
        _owned.Add(loader);
        _log.Info($"Data loading: {workers} background thread(s), up to {capacity} batch(es) ahead");
        _log.Info($"Start training from epoch: {_epoch}, iter: {_iter}");

        bool cuda = _device.type == DeviceType.CUDA;
        bool profile = _run.ProfilePhases;
        var sw = new Stopwatch();
        double Lap() { if (profile && cuda) torch.cuda.synchronize(_device); double s = sw.Elapsed.TotalSeconds; sw.Restart(); return s; }
        var runStart = Stopwatch.StartNew();
        long startIter = _iter;
        double sinceIter = 0, sinceData = 0;
        int sinceCount = 0;
        long delivered = 0;

        while (_iter < _opt.TotalIter)
        {
            var iterClock = Stopwatch.StartNew();
            long iter = _iter + 1;
            double lr = _schedule.Update(iter);
            _optimizer.Lr = lr;
            sw.Restart();
            TrainingBatch batch;
            try { batch = loader.Next(); }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                throw Stop($"iteration {iter}: cannot load training data: {e.Message}", iter, e);
            }
            delivered++;
            double dataTime = Lap();
            var phase = new PhaseTimes { Data = dataTime };
            double lossValue, pixValue = 0, gradValue = 0;
            using (var scope = NewDisposeScope())
            {
                var (lq, gt) = PrepareBatch(tensor(batch.Lq, batch.LqShape), tensor(batch.Gt, batch.GtShape), iter);
                lq = lq.to(_device);
                gt = gt.to(_device);
                _optimizer.ZeroGrad();
                sw.Restart();
                _overlap?.BeginStep();
                _mixed?.CopyToCompute();
                var output = (_mixed?.Compute ?? _net).forward(lq);
                phase.Forward = Lap();
                var loss = _loss.Compute(output, gt);
                if (_gradLoss is not null)
                {
                    var gradTerm = _gradLoss.Compute(output, gt);
                    pixValue = loss.to(ScalarType.Float64).item<double>();
                    gradValue = gradTerm.to(ScalarType.Float64).item<double>();
                    loss = loss + gradTerm;
                }
                lossValue = loss.to(ScalarType.Float64).item<double>();
                phase.Loss = Lap();
                if (!Distributed && !double.IsFinite(lossValue))
                    throw Stop($"{_loss.LogName} is {(double.IsNaN(lossValue) ? "NaN" : "infinite")} at iteration {iter} (epoch {batch.Epoch}); training stopped before updating the weights", iter, null);
                loss.backward();
                _mixed?.MoveGradientsToMaster();
                if (Distributed)
                {
                    // One collective for the gradients and the logged losses; a non-finite loss on any rank is seen by all.
                    var mean = _overlap is not null
                        ? _overlap.Finish(_device, lossValue, pixValue, gradValue)
                        : GradientAveraging.Average(_ranks!, _net.parameters(), _device, lossValue, pixValue, gradValue);
                    if (delivered == 2 && _overlap is not null) _log.Info($"Gradient buckets: {_overlap.Plan}");
                    (lossValue, pixValue, gradValue) = (mean[0], mean[1], mean[2]);
                    if (!double.IsFinite(lossValue))
                        throw Stop($"{_loss.LogName} averaged over the ranks is {(double.IsNaN(lossValue) ? "NaN" : "infinite")} at iteration {iter} (epoch {batch.Epoch}); training stopped before updating the weights", iter, null);
                }
                phase.Backward = Lap();
                if (_opt.UseGradClip) GradientClipping.ClipGradNorm(_net.parameters(), GradientClipping.UseGradClipMaxNorm);
                _optimizer.Step();
                phase.Optimizer = Lap();
                _ema?.Update();
                phase.Ema = Lap();
            }
            _iter = iter;
            _epoch = batch.Epoch;
            _batchInEpoch = batch.IndexInEpoch + 1;
            if (delivered > 1) _times.Add(phase); // the first iteration of a run (warm-up, caches) is left out
            double iterTime = iterClock.Elapsed.TotalSeconds;
            _losses.Add((iter, lossValue));
            try { _csv?.AddIteration(iter, _epoch, lr, lossValue, iterTime, dataTime); }
            catch (IOException e) { throw Stop($"iteration {iter}: cannot write the training log {_csv!.TrainPath}: {e.Message}", iter, e); }
            sinceIter += iterTime; sinceData += dataTime; sinceCount++;
            double avg = runStart.Elapsed.TotalSeconds / (iter - startIter);
            var eta = TimeSpan.FromSeconds(avg * Math.Max(0, _opt.TotalIter - iter));
            _run.Progress?.Invoke(new TrainingProgress(iter, _opt.TotalIter, _epoch, lossValue, lr, iterTime, dataTime, eta));

            if (iter % _opt.Logger.PrintFreq == 0)
            {
                _log.Info(LogLineFormat.TrainLine(_opt.Name, _epoch, iter, [lr], TimeSpan.FromSeconds(avg * Math.Max(0, _opt.TotalIter - iter - 1)),
                    sinceIter / sinceCount, sinceData / sinceCount, LossParts(lossValue, pixValue, gradValue)));
                try
                {
                    foreach (var (tag, value) in LossParts(lossValue, pixValue, gradValue)) _tb?.AddScalar($"losses/{tag}", value, iter);
                    _tb?.Flush();
                }
                catch (IOException e) { throw Stop($"iteration {iter}: cannot write the TensorBoard events {_tb!.FilePath}: {e.Message}", iter, e); }
                sinceIter = sinceData = 0; sinceCount = 0;
            }
            if (iter % _opt.Logger.SaveCheckpointFreq == 0)
            {
                if (Rank0) { _log.Info("Saving models and training states."); Save(iter); }
                if (Distributed) _ranks!.Barrier();
            }
            if (_validator != null && iter % _opt.Val!.ValFreq == 0) Validate(iter);
            if (Distributed && _opt.Val != null && _opt.ValidationSets.Count > 0 && iter % _opt.Val.ValFreq == 0) _ranks!.Barrier();

            if (_run.StopAfterIteration is long stop && iter >= stop && iter < _opt.TotalIter)
            {
                _log.Info($"Stopping after iteration {iter} as asked (nothing more saved).");
                return Result(false);
            }
            if (_run.TimeLimit is { } limit && iter < _opt.TotalIter && (Distributed ? GradientAveraging.AnyRank(_ranks!, _clock.Elapsed >= limit, _device) : _clock.Elapsed >= limit))
            {
                if (Rank0 && iter % _opt.Logger.SaveCheckpointFreq != 0) { _log.Info("Time limit reached: saving models and training states."); Save(iter); }
                if (Distributed) _ranks!.Barrier();
                _log.Info($"Stopping after iteration {iter}: the time limit of {_run.TimeLimit} is reached. Resume to continue.");
                return Result(false);
            }
        }

        if (_iter >= _opt.TotalIter)
        {
            _log.Info($"End of training. Time consumed: {LogLineFormat.TimeDelta(_clock.Elapsed)}");
            _log.Info("Save the latest model.");
            if (Rank0) SaveNetwork(-1);
            if (_validator != null && _iter % _opt.Val!.ValFreq != 0) Validate(_iter);
            DrawPlots();
            if (Distributed) _ranks!.Barrier();
        }
        return Result(true);
    }

    TrainingResult Result(bool completed)
    {
        if (_times.Iterations > 0) _log.Info("Phase times " + _times);
        return new(_paths.Root, _iter, completed, _lastCheckpoint, _times, new Dictionary<string, BestMetric>(_best), _losses.ToArray(), _resumedFrom);
    }

    TrainingStoppedException Stop(string message, long iter, Exception? inner)
    {
        string last = _lastCheckpointIter is long it
            ? $"The last good checkpoint is {_paths.Checkpoint(it)} with {_paths.State(it)}; it is intact and training can resume from it"
            : "No checkpoint was written yet";
        _log.Error($"{message}. {last}");
        return new TrainingStoppedException($"{message}. {last}", iter, _lastCheckpoint, inner);
    }

    void Save(long iter)
    {
        SaveNetwork(iter);
        var state = new TrainingState
        {
            Name = _opt.Name, Iteration = iter, Epoch = _epoch, BatchInEpoch = _batchInEpoch, Seed = _opt.ManualSeed,
            Lr = _schedule.Lr, SchedulerLastEpoch = _schedule.LastEpoch, Optimizer = _optimizer.State,
            TorchRngState = random.get_rng_state(), Best = new Dictionary<string, BestMetric>(_best),
        };
        try { state.Save(_paths.State(iter)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Stop($"iteration {iter}: cannot write the training state {_paths.State(iter)}: {e.Message}", iter, e);
        }
        finally { state.TorchRngState.Dispose(); }
        _lastCheckpoint = _paths.Checkpoint(iter);
        _lastCheckpointIter = iter;
    }

    /// <summary>BasicSR's <c>save_network</c>: <c>{'params': net_g}</c>, plus <c>'params_ema'</c> with EMA.</summary>
    void SaveNetwork(long iter)
    {
        string path = _paths.Checkpoint(iter);
        var groups = new List<(string, IReadOnlyList<KeyValuePair<string, Tensor>>)> { ("params", StateDictOrder.Of(_net)) };
        if (_emaNet != null) groups.Add(("params_ema", StateDictOrder.Of(_emaNet)));
        try { Checkpoint.SavePth(groups, path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Stop($"iteration {(iter < 0 ? _iter : iter)}: cannot write the checkpoint {path}: {e.Message}", _iter, e);
        }
        if (iter < 0) _log.Info($"Saved {path}");
    }

    /// <summary>The network validation runs: the EMA copy when there is one, else net_g. The one place that hands the
    /// trained network to validation.</summary>
    ModelDescriptor ValidationNetwork()
    {
        var net = _emaNet ?? _net;
        long parameters = net.parameters().Sum(p => p.numel());
        // Not owned: the trainer keeps the network; validation runs it as any other model.
        return ModelDescriptor.ForNetwork(_emaNet != null ? "net_g_ema" : "net_g", net, _config, ModelDescription.For(_config, parameters),
            ModelPurposes.Infer(_config, _opt.Name), _device, ScalarType.Float32);
    }

    void Validate(long iter)
    {
        bool wasTraining = _net.training;
        _net.eval();
        IReadOnlyList<ValidationSetResult> results;
        try
        {
            using var model = ValidationNetwork();
            results = _validator!.Run(model, iter, _opt.Val!.SaveImages ? _paths.Visualization : null);
        }
        finally { if (wasTraining) _net.train(); }
        foreach (var r in results)
        {
            var lines = new List<(string, double, double, long)>();
            foreach (var (metric, value, higher) in r.Metrics)
            {
                string key = $"{r.Dataset}/{metric}";
                if (!_best.TryGetValue(key, out var b) || (higher ? value > b.Value : value < b.Value) || double.IsNaN(b.Value))
                    _best[key] = b = new BestMetric(value, iter);
                lines.Add((metric, value, b.Value, b.Iteration));
                _tb?.AddScalar($"metrics/{r.Dataset}/{metric}", value, iter);
                _csv?.AddValidation(iter, r.Dataset, metric, value);
            }
            _log.Info(LogLineFormat.ValidationLines(r.Dataset, lines).TrimEnd('\n'));
        }
        _tb?.Flush();
        DrawPlots();
    }

    void DrawPlots()
    {
        if (_csv == null) return;
        try { TrainingPlots.Draw(_paths.Plots, _csv.TrainPath, _csv.ValidationPath, _opt.Name); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or TypeInitializationException or DllNotFoundException)
        {
            _log.Warning($"could not draw the plots in {_paths.Plots}: {e.Message}");
        }
    }

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            try { _owned[i].Dispose(); } catch (IOException) { }
        }
        _owned.Clear();
    }
}
