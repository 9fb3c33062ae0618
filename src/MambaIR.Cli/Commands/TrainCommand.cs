using System.CommandLine;
using System.Globalization;
using MambaIR.Native;
using MambaIR.Native.Cuda;
using MambaIR.Training.Distributed;
using MambaIR.Training.Loop;
using MambaIR.Training.Options;
using TorchSharp;

namespace MambaIR.Cli.Commands;

/// <summary>
/// `mambair train -opt FILE`: BasicSR's <c>train.py</c> for MambaIR option files — overrides (<c>--force_yml</c>),
/// auto-resume, debug mode, device, experiments root. Log lines go to stdout (and the experiment's log file); on a
/// terminal a progress bar is kept on stderr. Exit codes: 0 done (or stopped at the time limit, resumable), 1 training
/// stopped (non-finite loss, unwritable checkpoint, unreadable data; the last checkpoint is intact), 2 usage or option errors.
/// Data-parallel: <c>--gpus N</c> starts N ranks on this host (<see cref="DistributedLauncher"/>); a process started with
/// torchrun's variables (<c>RANK</c>, <c>WORLD_SIZE</c>, …, e.g. one per host of a multi-host run) is one rank on
/// <c>cuda:LOCAL_RANK</c>, joining the others through NCCL.
/// </summary>
public sealed class TrainCommand : ICliCommand
{
    public Command Create()
    {
        var opt = new Option<string>("-opt", "--opt") { Description = "Path to a BasicSR/MambaIR training option YAML file.", Required = true };
        var force = new Option<string[]>("--force_yml")
        {
            Description = "Override option keys, BasicSR syntax: key:subkey=value (e.g. datasets:train:dataroot_gt=/data/HR train:total_iter=100). Repeatable; only the last key may be new.",
            AllowMultipleArgumentsPerToken = true,
        };
        var autoResume = new Option<bool>("--auto_resume") { Description = "Resume from the newest training_states/{iter}.state of the experiment, if any (else start anew)." };
        var debug = new Option<bool>("--debug") { Description = "BasicSR debug mode: name prefixed with debug_, log every iteration, validate and save every 8 iterations." };
        var root = new Option<string>("--experiments-root") { Description = "Where experiment folders go ({root}/{name}/).", DefaultValueFactory = _ => "experiments" };
        var timeLimit = new Option<double?>("--time-limit") { Description = "Minutes after which to save a checkpoint and training state and stop (resume with --auto_resume)." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress bar." };
        var device = CliOptions.Device();
        var libtorch = CliOptions.LibTorch();
        var threads = CliOptions.Threads();
        var gpus = new Option<int?>(DistributedLauncher.GpusOption)
        {
            Description = "Train data-parallel on N CUDA GPUs of this host: N processes, one per GPU, batch_size_per_gpu each, gradients averaged through NCCL; rank 0 writes. See docs/TRAINING.md (also for several hosts).",
            Validators = { r => { if (r.GetValueOrDefault<int?>() is int n && n < 1) r.AddError("--gpus must be at least 1"); } },
        };

        var bucketCap = new Option<double>("--bucket-cap-mb")
        {
            Description = "Data-parallel training: average the gradients in buckets of this many MiB while the backward runs (PyTorch DDP's bucket_cap_mb); 0 averages them all after the backward.",
            DefaultValueFactory = _ => OverlappedGradientAveraging.DefaultBucketCapBytes / (1024.0 * 1024.0),
            Validators = { r => { if (r.GetValueOrDefault<double>() is var v && (v < 0 || !double.IsFinite(v))) r.AddError($"--bucket-cap-mb must be 0 or more, got {v}"); } },
        };

        var mixed = CliOptions.MixedPrecision("bfloat16: forward and backward in bfloat16 (products, convolutions) on a copy of the float32 weights, which stay what is optimised and saved; the scan, norms and loss stay float32. For GPUs with bfloat16 tensor cores.");

        var cmd = new Command("train", "Train MambaIR from a BasicSR option file (the official MambaIR configs load as they are): checkpoints, exact resume, logs, TensorBoard, plots.")
        {
            opt, force, autoResume, debug, root, timeLimit, quiet, device, libtorch, threads, gpus, bucketCap, mixed,
        };
        cmd.SetAction(pr =>
        {
            TorchRuntime.EnsureInitialized(pr.GetValue(libtorch));
            var distributed = DistributedEnvironment.FromProcess();
            int gpuCount = pr.GetValue(gpus) ?? 1;
            if (distributed != null && gpuCount > 1)
                throw new ArgumentException($"--gpus {gpuCount} starts the ranks itself, but this process already is rank {distributed.Rank} of {distributed.WorldSize} ({DistributedEnvironment.WorldSizeVariable} is set); use one or the other");
            if (distributed == null && gpuCount > 1)
            {
                DistributedLauncher.CheckDevices(gpuCount);
                TrainOptionsLoader.Load(pr.GetValue(opt)!, pr.GetValue(force) ?? [], pr.GetValue(debug)); // option errors once, before starting the ranks
                return DistributedLauncher.Run(gpuCount, DistributedLauncher.ChildArguments(Environment.GetCommandLineArgs().Skip(1).ToArray()));
            }
            if (pr.GetValue(threads) is int t) torch.set_num_threads(t);
            var options = TrainOptionsLoader.Load(pr.GetValue(opt)!, pr.GetValue(force) ?? [], pr.GetValue(debug));
            var computeDevice = distributed == null ? ComputeDevice.Resolve(pr.GetValue(device)) : RankDevice(distributed, pr.GetValue(device));
            IGradientAllReduce? ranks = null;
            if (distributed != null)
            {
                try { ranks = NcclAllReduce.Create(distributed, computeDevice, TimeSpan.FromMinutes(10)); }
                catch (Exception e) when (e is TimeoutException or CudaException or System.Net.Sockets.SocketException)
                {
                    Console.Error.WriteLine($"mambair: rank {distributed.Rank}: cannot join the data-parallel run: {e.Message}");
                    return 1;
                }
            }
            using var ownedRanks = ranks;
            var bar = !pr.GetValue(quiet) && !Console.IsErrorRedirected ? new TrainProgressBar() : null;
            var run = new TrainingRun
            {
                ExperimentsRoot = pr.GetValue(root)!,
                AutoResume = pr.GetValue(autoResume),
                Device = computeDevice,
                CommandLine = "mambair " + string.Join(" ", Environment.GetCommandLineArgs().Skip(1).Select(Quote)),
                Output = line => { bar?.Clear(); Console.WriteLine(line); },
                Progress = bar == null ? null : bar.Show,
                TimeLimit = pr.GetValue(timeLimit) is double m ? TimeSpan.FromMinutes(m) : null,
                ProfilePhases = computeDevice.type != DeviceType.CUDA,
                Ranks = ranks,
                GradientBucketCapBytes = pr.GetValue(bucketCap) is var mb && mb > 0 ? Math.Max(1L, (long)(mb * 1024 * 1024)) : null,
                MixedPrecision = CliOptions.MixedPrecisionType(pr.GetValue(mixed)),
            };
            try
            {
                var result = Trainer.Train(options, run);
                bar?.Clear();
                Console.Error.WriteLine(result.Completed
                    ? $"done: {result.Iteration} iterations; {Path.Combine(result.ExperimentFolder, "models", "net_g_latest.pth")}"
                    : $"stopped at iteration {result.Iteration}; resume with --auto_resume ({result.LastCheckpoint ?? "no checkpoint yet"})");
                return 0;
            }
            catch (TrainingStoppedException e)
            {
                bar?.Clear();
                Console.Error.WriteLine($"mambair: training stopped: {e.Message}");
                return 1;
            }
            catch (Exception e) when (ranks != null && e is TimeoutException or CudaException or IOException)
            {
                Console.Error.WriteLine($"mambair: rank {ranks.Rank}: data-parallel training failed: {e.Message}");
                return 1;
            }
        });
        return cmd;
    }

    /// <summary>A rank trains on <c>cuda:LOCAL_RANK</c>.</summary>
    static torch.Device RankDevice(DistributedEnvironment env, string? deviceSpec)
    {
        if (deviceSpec is not (null or "auto") && !deviceSpec.StartsWith("cuda", StringComparison.Ordinal))
            throw new ArgumentException($"--device {deviceSpec}: data-parallel training ({DistributedEnvironment.WorldSizeVariable}={env.WorldSize}) runs each rank on cuda:LOCAL_RANK; leave --device out");
        if (!ComputeDevice.CudaAvailable())
            throw new NotSupportedException($"rank {env.Rank}: data-parallel training needs CUDA (NCCL) and CUDA is not available; set {TorchRuntime.LibTorchEnvironmentVariable} to a CUDA libtorch");
        return ComputeDevice.Resolve($"cuda:{env.LocalRank}");
    }

    static string Quote(string a) => a.Length > 0 && a.All(c => !char.IsWhiteSpace(c) && c is not ('"' or '\'')) ? a : "'" + a.Replace("'", "'\\''") + "'";

    /// <summary>One progress line on stderr, redrawn in place.</summary>
    sealed class TrainProgressBar
    {
        bool _shown;
        DateTime _last;

        public void Show(TrainingProgress p)
        {
            if ((DateTime.UtcNow - _last).TotalMilliseconds < 200 && p.Iteration != p.TotalIterations) return;
            _last = DateTime.UtcNow;
            int width = 30;
            int filled = (int)Math.Round(width * (double)p.Iteration / Math.Max(1, p.TotalIterations));
            string line = string.Create(CultureInfo.InvariantCulture,
                $"\r[{new string('#', filled)}{new string('.', width - filled)}] {p.Iteration}/{p.TotalIterations} l_pix {p.Loss:0.000e+00} lr {p.Lr:0.00e+00} " +
                $"{1 / Math.Max(p.IterationSeconds, 1e-9):F2} it/s data {p.DataSeconds:F3}s eta {MambaIR.Training.Logging.LogLineFormat.TimeDelta(p.Eta)}  ");
            Console.Error.Write(line);
            _shown = true;
        }

        public void Clear()
        {
            if (!_shown) return;
            Console.Error.Write("\r" + new string(' ', 120) + "\r");
            _shown = false;
        }
    }
}
