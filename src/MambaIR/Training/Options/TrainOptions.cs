using MambaIR.Models;
using MambaIR.Text;

namespace MambaIR.Training.Options;

/// <summary>How the low-quality input of a paired dataset is made (the MambaIR fork's <c>task</c>).</summary>
public enum DegradationTask
{
    /// <summary><c>SR</c>: LQ read from <c>dataroot_lq</c> (bicubic LR files), or made on the fly by MATLAB bicubic when there is none.</summary>
    SuperResolution,
    /// <summary><c>CAR</c>: grey GT and grey JPEG LQ (<c>.jpg</c> beside the GT name), as the fork reads them.</summary>
    JpegArtifactRemoval,
    /// <summary><c>denoising_color</c>: LQ = GT + N(0, σ/255), made on the fly in float, not clipped.</summary>
    ColorDenoising,
}

/// <summary>Where a dataset's images are stored (<c>io_backend.type</c>).</summary>
public enum IoBackend { Disk, Lmdb }

/// <summary>Which dataset class an entry names (<c>type</c>).</summary>
public enum DatasetKind { Paired, TextZoom }

/// <summary>One entry of <c>datasets</c> (the training set or one validation set).</summary>
public sealed record DatasetOptions
{
    /// <summary>The key under <c>datasets</c> (<c>train</c>, <c>val</c>, <c>val_1</c>...).</summary>
    public required string Key { get; init; }
    /// <summary><c>train</c> or <c>val</c> (the key before its first <c>_</c>).</summary>
    public required string Phase { get; init; }
    public required string Name { get; init; }
    public DatasetKind Kind { get; init; } = DatasetKind.Paired;
    public DegradationTask Task { get; init; } = DegradationTask.SuperResolution;
    /// <summary>σ for <see cref="DegradationTask.ColorDenoising"/> (0–255 units).</summary>
    public double Noise { get; init; }
    /// <summary>Ground-truth folders (or LMDBs), concatenated in order.</summary>
    public IReadOnlyList<string> DatarootGt { get; init; } = [];
    /// <summary>LQ folders, one per GT folder; null for HR-only super-resolution (LR made on the fly) and for denoising.</summary>
    public IReadOnlyList<string>? DatarootLq { get; init; }
    public string FilenameTemplate { get; init; } = "{}";
    public IoBackend IoBackend { get; init; } = IoBackend.Disk;
    public string? MetaInfoFile { get; init; }
    /// <summary>HR patch size (training).</summary>
    public int? GtSize { get; init; }
    public bool UseHflip { get; init; }
    public bool UseRot { get; init; }
    public bool UseShuffle { get; init; } = true;
    public int NumWorkerPerGpu { get; init; }
    public int BatchSizePerGpu { get; init; } = 1;
    public int DatasetEnlargeRatio { get; init; } = 1;
    /// <summary>Bounded prefetch depth in batches (<c>num_prefetch_queue</c>); null: two per worker.</summary>
    public int? PrefetchQueue { get; init; }
    /// <summary>The SR scale (the top-level <c>scale</c>, injected as BasicSR does).</summary>
    public int Scale { get; init; } = 1;
    /// <summary>For <see cref="DatasetKind.TextZoom"/>: the TextZoom reader's options.</summary>
    public TextZoomDatasetOptions? TextZoom { get; init; }
    /// <summary>Restormer's <c>Dataset_PairedImage</c> (the real-denoising code): pairs smaller than <c>gt_size</c> are
    /// padded (<c>cv2.BORDER_REFLECT</c>) before the crop, and <c>geometric_augs</c> draws one of the 8 flips/rotations.</summary>
    public bool RestormerPairs { get; init; }
    /// <summary><c>geometric_augs</c> of <c>Dataset_PairedImage</c> (<see cref="RestormerPairs"/>).</summary>
    public bool GeometricAugs { get; init; }
    /// <summary>Progressive patch and batch sizes of the real-denoising training (<c>mini_batch_sizes</c>, <c>iters</c>,
    /// <c>gt_sizes</c>); null for a fixed patch size.</summary>
    public ProgressiveOptions? Progressive { get; init; }
}

/// <summary>
/// The progressive training of Restormer's <c>train.py</c> (as the real-denoising U-Net trains): stage j lasts
/// <c>iters[j]</c> iterations with patches of <c>gt_sizes[j]</c> and <c>mini_batch_sizes[j]</c> images per GPU, cut from
/// the loaded batch of <c>gt_size</c> patches.
/// </summary>
public sealed record ProgressiveOptions(IReadOnlyList<int> MiniBatchSizes, IReadOnlyList<long> Iters, IReadOnlyList<int> GtSizes);

/// <summary><c>train:mixing_augs</c> of Restormer's <c>ImageCleanModel</c>: mixup with λ ~ Beta(β, β), and with
/// <c>use_identity</c> an equal chance of leaving the batch as it is.</summary>
public sealed record MixupOptions(double Beta, bool UseIdentity);

/// <summary>The network to train (<c>network_g</c>).</summary>
/// <param name="Type">The <c>type</c> key (<c>MambaIR</c>, <c>MambaIRv2</c>, <c>MambaIRv2Light</c>, <c>MambaIRUNet</c>).</param>
/// <param name="Config">The architecture, when the type is known and its keys are valid; otherwise null.</param>
/// <param name="DropPathRate">Official <c>drop_path_rate</c> (default 0.1; MambaIR v1 only: MambaIRv2 and the U-Net have no stochastic depth).</param>
public sealed record NetworkOptions(string Type, INetworkConfig? Config, double DropPathRate)
{
    /// <summary>The config when it is a MambaIR v1 network.</summary>
    public MambaIRConfig? V1 => Config as MambaIRConfig;
}

/// <summary>The optimiser (<c>train:optim_g</c>): Adam or AdamW with PyTorch's defaults for missing keys.</summary>
public sealed record OptimizerOptions(OptimizerKind Kind, double Lr, double Beta1, double Beta2, double WeightDecay, double Eps);

public enum OptimizerKind { Adam, AdamW }

/// <summary>The learning-rate schedule (<c>train:scheduler</c>).</summary>
public sealed record SchedulerOptions
{
    public SchedulerKind Kind { get; init; }
    /// <summary>MultiStepLR: milestones (iterations) and gamma; restarts and weights as BasicSR's MultiStepRestartLR.</summary>
    public IReadOnlyList<long> Milestones { get; init; } = [];
    public double Gamma { get; init; } = 0.1;
    public IReadOnlyList<long> Restarts { get; init; } = [0];
    public IReadOnlyList<double> RestartWeights { get; init; } = [1];
    /// <summary>Cosine schedules: period lengths, and the minimum lr per period (one value for CosineAnnealingRestartLR).</summary>
    public IReadOnlyList<long> Periods { get; init; } = [];
    public IReadOnlyList<double> EtaMins { get; init; } = [0];
}

public enum SchedulerKind { MultiStep, CosineAnnealingRestart, CosineAnnealingRestartCyclic }

/// <summary>The pixel loss (<c>train:pixel_opt</c>).</summary>
public sealed record LossOptions(LossKind Kind, double Weight, LossReduction Reduction, double Eps);

public enum LossKind { L1, Mse, Charbonnier }

/// <summary>
/// The text-aware edge term (<c>train:gradient_opt</c>, a MambaIR.NET extension): <c>type: GradientProfileLoss</c>, its
/// weight and reduction; see <see cref="MambaIR.Training.Optimization.GradientProfileLoss"/>.
/// </summary>
public sealed record GradientLossOptions(double Weight, LossReduction Reduction);

public enum LossReduction { Mean, Sum }

/// <summary>One validation metric (<c>val:metrics:NAME</c>).</summary>
/// <param name="Name">The key (e.g. <c>psnr</c>), used in logs and TensorBoard tags.</param>
/// <param name="Kind">PSNR or SSIM.</param>
/// <param name="CropBorder">Pixels cropped from each side.</param>
/// <param name="TestYChannel">Measure on BT.601 Y.</param>
/// <param name="HigherIsBetter">For the best value (<c>better: higher|lower</c>, default higher).</param>
public sealed record MetricOptions(string Name, MetricKind Kind, int CropBorder, bool TestYChannel, bool HigherIsBetter);

public enum MetricKind { Psnr, Ssim }

/// <summary>Validation settings (<c>val</c>); null <see cref="TrainOptions.Val"/> means no validation.</summary>
public sealed record ValidationOptions
{
    public int ValFreq { get; init; }
    public bool SaveImages { get; init; }
    public IReadOnlyList<MetricOptions> Metrics { get; init; } = [];
    /// <summary>Recognizers for TextZoom validation sets (<c>val:text_recognizers</c>, default <c>[ppocr]</c>): <c>NAME</c> or <c>NAME=PATH</c>.</summary>
    public IReadOnlyList<string> TextRecognizers { get; init; } = ["ppocr"];
}

/// <summary>Logging settings (<c>logger</c>).</summary>
public sealed record LoggerOptions(int PrintFreq, int SaveCheckpointFreq, bool UseTensorBoard);

/// <summary>
/// A BasicSR training option file as the trainer understands it (<see cref="TrainOptionsLoader"/> builds it). Values the
/// trainer cannot honour (an unknown loss, a MambaIRv2 network, ...) do not stop parsing: they are collected in
/// <see cref="Problems"/>, each naming its key, and <see cref="EnsureTrainable"/> reports them all.
/// </summary>
public sealed record TrainOptions
{
    /// <summary>The option file.</summary>
    public required string SourceFile { get; init; }
    public required string Name { get; init; }
    public string ModelType { get; init; } = "MambaIRModel";
    public int Scale { get; init; } = 1;
    /// <summary><c>num_gpu</c> (1 for <c>auto</c>); the total batch is <c>batch_size_per_gpu × max(1, num_gpu)</c> as in BasicSR without distributed training.</summary>
    public int NumGpu { get; init; } = 1;
    /// <summary><c>manual_seed</c>; chosen in [1, 10000] when the file has none (as BasicSR does), and recorded in the copy of the options.</summary>
    public int ManualSeed { get; init; }
    public bool SeedWasChosen { get; init; }
    public DatasetOptions? Train { get; init; }
    public IReadOnlyList<DatasetOptions> ValidationSets { get; init; } = [];
    public required NetworkOptions Network { get; init; }
    public string? PretrainNetworkG { get; init; }
    public string ParamKeyG { get; init; } = "params";
    public bool StrictLoadG { get; init; } = true;
    public string? ResumeState { get; init; }
    public OptimizerOptions? Optimizer { get; init; }
    public SchedulerOptions? Scheduler { get; init; }
    public long TotalIter { get; init; }
    public long WarmupIter { get; init; } = -1;
    public LossOptions? PixelLoss { get; init; }
    /// <summary>The optional gradient-profile term added to the pixel loss (<c>train:gradient_opt</c>).</summary>
    public GradientLossOptions? GradientLoss { get; init; }
    public double EmaDecay { get; init; }
    public bool UseGradClip { get; init; }
    /// <summary><c>train:mixing_augs</c> (ImageCleanModel only); null: no mixing.</summary>
    public MixupOptions? Mixup { get; init; }
    public ValidationOptions? Val { get; init; }
    public LoggerOptions Logger { get; init; } = new(100, 5000, true);
    /// <summary>The option tree after overrides (for the copy written beside the experiment).</summary>
    public required OptionMap Raw { get; init; }
    /// <summary>The overrides that were applied, as given.</summary>
    public IReadOnlyList<string> Overrides { get; init; } = [];
    /// <summary>Keys nothing reads, each with why when known (one warning).</summary>
    public IReadOnlyList<string> UnusedKeys { get; init; } = [];
    /// <summary>Values that cannot be honoured, each naming its key.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Total batch size (<c>batch_size_per_gpu × max(1, num_gpu)</c>).</summary>
    public int BatchSize => (Train?.BatchSizePerGpu ?? 1) * Math.Max(1, NumGpu);

    /// <summary>The one warning listing unused keys, or null when every key is used.</summary>
    public string? UnusedKeysWarning => UnusedKeys.Count == 0 ? null
        : $"{UnusedKeys.Count} option key(s) in {SourceFile} are not used by this trainer:\n  " + string.Join("\n  ", UnusedKeys);

    /// <summary>Throws <see cref="NotSupportedException"/> listing every problem (each names its key), if there is any.</summary>
    public TrainOptions EnsureTrainable()
    {
        if (Problems.Count > 0)
            throw new NotSupportedException($"{SourceFile} cannot be trained here ({Problems.Count} problem(s)):\n  " + string.Join("\n  ", Problems));
        return this;
    }
}
