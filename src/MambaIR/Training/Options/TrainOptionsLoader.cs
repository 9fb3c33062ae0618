using MambaIR.Models;
using MambaIR.Models.UNet;
using MambaIR.Models.V2;
using MambaIR.Text;

namespace MambaIR.Training.Options;

/// <summary>
/// Builds <see cref="TrainOptions"/> from a BasicSR option file as BasicSR's <c>parse_options(is_train=True)</c> does:
/// overrides applied first (<see cref="OptionOverride"/>), debug mode (<c>debug_</c> name prefix; a name containing
/// <c>debug</c> validates and saves every 8 iterations and logs every iteration), <c>num_gpu: auto</c>, a random seed
/// in [1, 10000] when there is none, <c>phase</c> and <c>scale</c> given to each dataset, <c>~</c> expanded in data
/// and checkpoint paths. Relative paths stay relative to the working directory, as in BasicSR.
/// </summary>
public static class TrainOptionsLoader
{
    /// <summary>Why known keys are not used, for the unused-key warning.</summary>
    static readonly (string Prefix, string Why)[] KnownUnused =
    [
        ("dist_params", "distributed training only"),
        ("logger:wandb", "Weights & Biases logging is not supported; TensorBoard and CSV logs are written"),
        ("val:window_size", "the U-Net pads its input to a multiple of 8 itself"),
        ("val:rgb2bgr", "changes only the channel order of saved images"),
        ("val:use_image", "validation always measures on 8-bit images, as BasicSR's SRModel does"),
        ("val:max_minibatch", "validation runs one image at a time"),
        ("val:suffix", "read by the test script only"),
        ("val:selfensemble_testing", "not read by any official code"),
        ("val:patchwise_testing", "not read by any official code"),
        ("network_g:window_size", "not a MambaIR v1 argument (the official code ignores it too)"),
        ("network_g:num_heads", "not a MambaIR v1 argument (the official code ignores it too)"),
        ("network_g:interval", "not a MambaIR v1 argument (the official code ignores it too)"),
        ("pin_memory", "no pinned memory: batches are assembled by background threads"),
    ];

    /// <summary>Loads <paramref name="path"/> with <paramref name="overrides"/> (<c>a:b=c</c> entries).</summary>
    /// <param name="debug">BasicSR's debug mode: the name gets a <c>debug_</c> prefix.</param>
    /// <exception cref="FileNotFoundException">No such option file.</exception>
    /// <exception cref="InvalidDataException">Invalid YAML.</exception>
    /// <exception cref="ArgumentException">A key with a value of the wrong type or a malformed override (message names the key).</exception>
    public static TrainOptions Load(string path, IReadOnlyList<string>? overrides = null, bool debug = false)
    {
        var raw = YamlOptionReader.ReadFile(path);
        return FromTree(raw, path, overrides, debug);
    }

    /// <summary>Builds the options from an already parsed tree (used by <see cref="Load"/> and tests).</summary>
    public static TrainOptions FromTree(OptionMap raw, string source, IReadOnlyList<string>? overrides = null, bool debug = false, Random? seedSource = null)
    {
        overrides ??= [];
        foreach (var o in overrides) OptionOverride.Parse(o).ApplyTo(raw);
        var problems = new List<string>();

        string name = raw.RequireString("name");
        if (debug && !name.StartsWith("debug", StringComparison.Ordinal)) { name = "debug_" + name; raw.Set("name", name); }
        string modelType = raw.GetString("model_type") ?? "MambaIRModel";
        CheckModelType(modelType, problems);
        bool imageClean = modelType == "ImageCleanModel";
        int scale = raw.GetInt("scale", 1);
        if (scale < 1) throw new OptionException("scale", $"must be ≥ 1, got {scale}");
        int numGpu = raw.TryGet("num_gpu", out var ng) && ng is string s && s == "auto" ? 1 : raw.GetInt("num_gpu", 1);
        bool chosen = false;
        int seed;
        if (raw.GetIntOrNull("manual_seed") is int given) seed = given;
        else
        {
            seed = (seedSource ?? Random.Shared).Next(1, 10001);
            chosen = true;
            raw.Set("manual_seed", (long)seed);
            raw.MarkRead("manual_seed");
        }

        DatasetOptions? train = null;
        var vals = new List<DatasetOptions>();
        if (raw.Map("datasets") is { } datasets)
        {
            foreach (var key in datasets.Keys.ToList())
            {
                var entry = datasets.Map(key) ?? throw new OptionException(datasets.PathOf(key), "must be a dataset mapping");
                string phase = key.Split('_')[0];
                if (phase == "train")
                {
                    if (train != null) problems.Add($"{datasets.PathOf(key)}: a second training set; BasicSR trains on one ('train')");
                    else train = ParseDataset(entry, key, phase, scale, problems);
                }
                else if (phase == "val") vals.Add(ParseDataset(entry, key, phase, scale, problems));
                else problems.Add($"{datasets.PathOf(key)}: dataset phase '{phase}' is not recognised (use train or val)");
            }
        }
        if (train == null) problems.Add("datasets:train: no training set");

        var network = ParseNetwork(raw, scale, problems);

        string? pretrain = null, resume = null;
        string paramKey = "params";
        bool strict = true;
        if (raw.Map("path") is { } pathMap)
        {
            pretrain = ExpandUser(pathMap.GetString("pretrain_network_g"));
            paramKey = pathMap.GetString("param_key_g") ?? "params";
            strict = pathMap.GetBool("strict_load_g", true);
            resume = ExpandUser(pathMap.GetString("resume_state"));
        }

        var trainMap = raw.Map("train");
        OptimizerOptions? optimizer = null;
        SchedulerOptions? scheduler = null;
        LossOptions? loss = null;
        GradientLossOptions? gradientLoss = null;
        long totalIter = 0, warmup = -1;
        double ema = 0;
        bool clip = false;
        MixupOptions? mixup = null;
        if (trainMap == null) problems.Add("train: the training settings are missing");
        else
        {
            optimizer = ParseOptimizer(trainMap.Map("optim_g"), trainMap.PathOf("optim_g"), problems);
            scheduler = ParseScheduler(trainMap.Map("scheduler"), trainMap.PathOf("scheduler"), problems);
            totalIter = trainMap.GetLongOrNull("total_iter") ?? throw new OptionException(trainMap.PathOf("total_iter"), "is required");
            if (totalIter < 1) throw new OptionException(trainMap.PathOf("total_iter"), $"must be ≥ 1, got {totalIter}");
            warmup = trainMap.GetLongOrNull("warmup_iter") ?? -1;
            ema = trainMap.GetDouble("ema_decay", 0);
            if (!(ema >= 0 && ema < 1)) throw new OptionException(trainMap.PathOf("ema_decay"), $"must be in [0, 1), got {ema}");
            clip = trainMap.GetBool("use_grad_clip", false);
            loss = ParseLoss(trainMap.Map("pixel_opt"), trainMap.PathOf("pixel_opt"), problems);
            gradientLoss = ParseGradientLoss(trainMap.Map("gradient_opt"), problems);
            if (imageClean && trainMap.Map("mixing_augs") is { } mix && mix.GetBool("mixup", false))
            {
                double beta = mix.GetDouble("mixup_beta", 1.2);
                if (!(beta > 0) || double.IsInfinity(beta)) throw new OptionException(mix.PathOf("mixup_beta"), $"must be a finite β > 0, got {beta}");
                mixup = new MixupOptions(beta, mix.GetBool("use_identity", false));
            }
            else if (imageClean && trainMap.Map("mixing_augs") is { } off) MarkAll(off);
            foreach (var other in new[] { "perceptual_opt", "gan_opt", "mixing_augs", "ldl_opt", "fft_opt" }.Where(k => !(imageClean && k == "mixing_augs")))
                if (trainMap.Contains(other) && trainMap.Get(other) is not null)
                    problems.Add($"{trainMap.PathOf(other)}: not supported (MambaIR.NET trains with a pixel loss only)");
            if (loss == null && !problems.Any(p => p.StartsWith(trainMap.PathOf("pixel_opt"), StringComparison.Ordinal)))
                problems.Add($"{trainMap.PathOf("pixel_opt")}: no pixel loss; BasicSR stops with 'Both pixel and perceptual losses are None'");
        }

        var val = ParseValidation(raw.Map("val"), problems);
        var logger = ParseLogger(raw.Map("logger"));
        if (name.Contains("debug", StringComparison.Ordinal))
        {
            logger = logger with { PrintFreq = 1, SaveCheckpointFreq = 8 };
            if (val != null) val = val with { ValFreq = 8 };
        }

        var unused = raw.UnreadKeys().Select(k => KnownUnused.FirstOrDefault(u => k == u.Prefix || k.StartsWith(u.Prefix + ":", StringComparison.Ordinal)
                                                                              || k.EndsWith(":" + u.Prefix, StringComparison.Ordinal)) is { Why: not null } known
            ? $"{k} ({known.Why})" : k).ToList();

        return new TrainOptions
        {
            SourceFile = source, Name = name, ModelType = modelType, Scale = scale, NumGpu = Math.Max(numGpu, 0),
            ManualSeed = seed, SeedWasChosen = chosen, Train = train, ValidationSets = vals, Network = network,
            PretrainNetworkG = pretrain, ParamKeyG = paramKey, StrictLoadG = strict, ResumeState = resume,
            Optimizer = optimizer, Scheduler = scheduler, TotalIter = totalIter, WarmupIter = warmup, PixelLoss = loss,
            GradientLoss = gradientLoss, EmaDecay = ema, UseGradClip = clip, Mixup = mixup, Val = val, Logger = logger, Raw = raw, Overrides = overrides.ToArray(),
            UnusedKeys = unused, Problems = problems,
        };
    }

    static void CheckModelType(string modelType, List<string> problems)
    {
        switch (modelType)
        {
            // MambaIRv2Model / MambaIRv2LightModel train as SRModel does (they differ in their test-time padding only);
            // ImageCleanModel is the real-denoising code's model (mixing_augs, gradient clipping).
            case "MambaIRModel" or "SRModel" or "MambaIRv2Model" or "MambaIRv2LightModel" or "ImageCleanModel": break;
            default:
                problems.Add($"model_type: '{modelType}' is not supported (MambaIRModel, SRModel, MambaIRv2Model, MambaIRv2LightModel or ImageCleanModel)");
                break;
        }
    }

    static NetworkOptions ParseNetwork(OptionMap raw, int scale, List<string> problems)
    {
        var net = raw.Map("network_g");
        if (net == null) { problems.Add("network_g: the network is missing"); return new NetworkOptions("", null, 0.1); }
        string type = net.GetString("type") ?? "";
        switch (type)
        {
            case "MambaIR": break;
            case "MambaIRv2" or "MambaIRv2Light" or "MambaIRUNet":
                return ParseOtherNetwork(net, type, scale, problems);
            default:
                problems.Add($"network_g:type: '{type}' is not supported (MambaIR, MambaIRv2, MambaIRv2Light or MambaIRUNet)");
                MarkAll(net);
                return new NetworkOptions(type, null, 0.1);
        }
        double dropPath = net.GetDouble("drop_path_rate", 0.1);
        if (!(dropPath >= 0 && dropPath < 1)) throw new OptionException(net.PathOf("drop_path_rate"), $"must be in [0, 1), got {dropPath}");
        if (net.GetDouble("drop_rate", 0) != 0) problems.Add($"{net.PathOf("drop_rate")}: dropout after the patch embedding is not supported (the official configs use 0)");
        if (net.GetBool("use_checkpoint", false)) problems.Add($"{net.PathOf("use_checkpoint")}: gradient checkpointing is not supported");
        // Everything else goes to the constructor, which accepts its bookkeeping arguments (img_size, ...) and rejects
        // unknown ones; window_size/num_heads/interval are left unread so that they are listed as not MambaIR v1 arguments.
        string[] notArguments = ["type", "drop_path_rate", "drop_rate", "use_checkpoint", "window_size", "num_heads", "interval"];
        var kwargs = net.Keys.Where(k => !notArguments.Contains(k)).Select(k => new KeyValuePair<string, object?>(k, ToPlain(net.Get(k)))).ToList();
        MambaIRConfig? config = null;
        try
        {
            config = MambaIRConfig.FromKwargs(kwargs);
            if (config.Scale != scale && config.Upsampler != Upsampler.None)
                problems.Add($"network_g:upscale: {config.Upscale} differs from the top-level scale {scale}");
        }
        catch (ArgumentException e) { problems.Add($"network_g: {e.Message}"); }
        return new NetworkOptions(type, config, dropPath);
    }

    /// <summary>MambaIRv2, MambaIRv2-light and the U-Net: every key goes to the official constructor's parser, which
    /// accepts its training-only arguments (drop_path_rate, img_size, ...) and rejects unknown ones. Neither family has
    /// stochastic depth in the official code, so drop_path_rate changes nothing.</summary>
    static NetworkOptions ParseOtherNetwork(OptionMap net, string type, int scale, List<string> problems)
    {
        var arch = NetworkConfigs.ParseArchitecture(type);
        var kwargs = net.Keys.Where(k => k != "type").Select(k => new KeyValuePair<string, object?>(k, ToPlain(net.Get(k)))).ToList();
        MarkAll(net);
        INetworkConfig? config = null;
        try
        {
            config = NetworkConfigs.FromKwargs(arch, kwargs);
            if (config.Scale != scale && !(config.Scale == 1 && config.Upsampler == Upsampler.None))
                problems.Add($"network_g:upscale: {config.Scale} differs from the top-level scale {scale}");
            if (config is MambaIRv2Config { Upsampler: Upsampler.None } && scale != 1)
                problems.Add($"network_g:upsampler: a same-size network (upsampler '') with the top-level scale {scale}");
            if (config is MambaIRUNetConfig && scale != 1)
                problems.Add($"scale: the U-Net restores at the input size, so scale must be 1, got {scale}");
        }
        catch (ArgumentException e) { problems.Add($"network_g: {e.Message}"); }
        return new NetworkOptions(type, config, 0);
    }

    static object? ToPlain(object? v) => v is OptionList l ? l.Select(ToPlain).ToArray() : v;

    static void MarkAll(OptionMap m) { foreach (var k in m.Keys) m.MarkRead(k); }

    static DatasetOptions ParseDataset(OptionMap d, string key, string phase, int scale, List<string> problems)
    {
        string type = d.GetString("type") ?? "PairedImageDataset";
        string name = d.GetString("name") ?? key;
        var loader = ReadLoaderKeys(d, phase, problems);
        if (type == TextZoomDatasetOptions.TypeName)
        {
            TextZoomDatasetOptions tz;
            try { tz = TextZoomDatasetOptions.FromOptions(new TrackingDictionary(d, ["dataroot", "dataroot_gt", "name", "mask", "label_policy", "max_len", "hr_size", "lr_size", "type"])); }
            catch (ArgumentException e) { throw new OptionException(d.Path, e.Message); }
            tz = tz with { Roots = tz.Roots.Select(r => ExpandUser(r)!).ToArray(), Name = name };
            if (d.Map("io_backend") is { } io && io.GetString("type") is { } t && t != "lmdb")
                problems.Add($"{io.PathOf("type")}: TextZoom data is read from LMDBs (type lmdb), got '{t}'");
            if (scale != 2) problems.Add($"scale: TextZoom pairs are ×2 (64×16 → 128×32), got scale {scale}");
            return loader with { Key = key, Phase = phase, Name = name, Kind = DatasetKind.TextZoom, TextZoom = tz, Scale = scale, DatarootGt = tz.Roots };
        }
        if (type is not ("PairedImageDataset" or "Dataset_PairedImage"))
        {
            problems.Add($"{d.PathOf("type")}: dataset type '{type}' is not supported (use PairedImageDataset or TextZoomDataset)");
            MarkAll(d);
            return loader with { Key = key, Phase = phase, Name = name, Scale = scale };
        }
        bool restormer = type == "Dataset_PairedImage";
        if (restormer && d.Contains("task")) problems.Add($"{d.PathOf("task")}: Dataset_PairedImage reads pairs from dataroot_gt and dataroot_lq; it has no task");
        string taskText = restormer ? "SR" : d.GetString("task") ?? "SR";
        DegradationTask task;
        switch (taskText)
        {
            case "SR": task = DegradationTask.SuperResolution; break;
            case "CAR": task = DegradationTask.JpegArtifactRemoval; break;
            case "denoising_color": task = DegradationTask.ColorDenoising; break;
            default:
                problems.Add($"{d.PathOf("task")}: task '{taskText}' is not supported (SR, CAR or denoising_color)");
                task = DegradationTask.SuperResolution;
                break;
        }
        double noise = 0;
        if (task == DegradationTask.ColorDenoising)
        {
            noise = d.GetDoubleOrNull("noise") ?? throw new OptionException(d.PathOf("noise"), "is required for task denoising_color (σ in 0-255 units)");
            if (!(noise >= 0) || double.IsInfinity(noise)) throw new OptionException(d.PathOf("noise"), $"must be a finite σ ≥ 0, got {noise}");
        }
        var gt = d.GetStringList("dataroot_gt")?.Select(p => ExpandUser(p)!).ToArray()
                 ?? throw new OptionException(d.PathOf("dataroot_gt"), "is required (a folder, or a list of folders)");
        if (gt.Length == 0) throw new OptionException(d.PathOf("dataroot_gt"), "is an empty list");
        var lq = d.GetStringList("dataroot_lq")?.Select(p => ExpandUser(p)!).ToArray();
        if (task == DegradationTask.ColorDenoising) lq = null; // the fork makes the noisy input from the GT
        if (lq != null && lq.Length != gt.Length)
            throw new OptionException(d.PathOf("dataroot_lq"), $"has {lq.Length} folder(s) but dataroot_gt has {gt.Length}; they pair up in order");
        if (task == DegradationTask.JpegArtifactRemoval && lq == null)
            throw new OptionException(d.PathOf("dataroot_lq"), "is required for task CAR (the folder of JPEG inputs)");
        string tmpl = d.GetString("filename_tmpl") ?? "{}";
        if (!tmpl.Contains("{}", StringComparison.Ordinal)) throw new OptionException(d.PathOf("filename_tmpl"), $"'{tmpl}' must contain {{}}");
        var backend = IoBackend.Disk;
        if (d.Map("io_backend") is { } iob)
        {
            string t = iob.GetString("type") ?? "disk";
            backend = t switch
            {
                "disk" => IoBackend.Disk,
                "lmdb" => IoBackend.Lmdb,
                _ => throw new OptionException(iob.PathOf("type"), $"io backend '{t}' is not supported (disk or lmdb)"),
            };
        }
        if (backend == IoBackend.Lmdb && task != DegradationTask.SuperResolution)
            problems.Add($"{d.PathOf("io_backend")}: LMDB input is supported for task SR only");
        if (restormer && lq == null) throw new OptionException(d.PathOf("dataroot_lq"), "is required for Dataset_PairedImage (the folder of degraded inputs)");
        int? gtSize = d.GetIntOrNull("gt_size");
        if (phase == "train" && gtSize is null) throw new OptionException(d.PathOf("gt_size"), "is required for the training set (the HR patch size)");
        if (gtSize is { } g && (g < 1 || g % scale != 0)) throw new OptionException(d.PathOf("gt_size"), $"must be a positive multiple of the scale {scale}, got {g}");
        if (d.GetString("color") is { } color) problems.Add($"{d.PathOf("color")}: '{color}' colour conversion is not supported (RGB training only)");
        if (d.Contains("mean") || d.Contains("std")) { d.MarkRead("mean"); d.MarkRead("std"); problems.Add($"{d.Path}: mean/std normalisation is not supported (MambaIR subtracts its mean inside the network)"); }
        ProgressiveOptions? progressive = restormer && phase == "train" ? ParseProgressive(d, gtSize, scale, problems) : null;
        if (!restormer) foreach (var k in new[] { "mini_batch_sizes", "iters", "gt_sizes", "geometric_augs" })
            if (d.Contains(k)) problems.Add($"{d.PathOf(k)}: read by Dataset_PairedImage (the real-denoising training) only");
        return loader with
        {
            RestormerPairs = restormer, GeometricAugs = restormer && d.GetBool("geometric_augs", false), Progressive = progressive,
            Key = key, Phase = phase, Name = name, Kind = DatasetKind.Paired, Task = task, Noise = noise, DatarootGt = gt, DatarootLq = lq,
            FilenameTemplate = tmpl, IoBackend = backend, MetaInfoFile = ExpandUser(d.GetString("meta_info_file")), GtSize = gtSize,
            UseHflip = d.GetBool("use_hflip", d.GetBool("use_flip", false)), UseRot = d.GetBool("use_rot", false), Scale = scale,
        };
    }

    /// <summary>Restormer's progressive keys: all three lists or none (a fixed patch size); the largest stage patch must
    /// fit in <c>gt_size</c>, the patch the loader cuts.</summary>
    static ProgressiveOptions? ParseProgressive(OptionMap d, int? gtSize, int scale, List<string> problems)
    {
        var batches = d.GetLongList("mini_batch_sizes");
        var iters = d.GetLongList("iters");
        var sizes = d.GetLongList("gt_sizes");
        if (batches == null && iters == null && sizes == null) return null;
        if (batches == null || iters == null || sizes == null)
        {
            problems.Add($"{d.Path}: progressive training needs mini_batch_sizes, iters and gt_sizes together");
            return null;
        }
        if (batches.Count == 0 || batches.Count != iters.Count || batches.Count != sizes.Count)
            throw new OptionException(d.PathOf("iters"), $"mini_batch_sizes, iters and gt_sizes must have one entry per stage, got {batches.Count}, {iters.Count} and {sizes.Count}");
        foreach (var b in batches) if (b < 1) throw new OptionException(d.PathOf("mini_batch_sizes"), $"each size must be ≥ 1, got {b}");
        foreach (var i in iters) if (i < 1) throw new OptionException(d.PathOf("iters"), $"each stage must last ≥ 1 iteration, got {i}");
        foreach (var g in sizes)
        {
            if (g < 1) throw new OptionException(d.PathOf("gt_sizes"), $"each patch size must be ≥ 1, got {g}");
            if (gtSize is int max && g > max) throw new OptionException(d.PathOf("gt_sizes"), $"{g} is larger than gt_size {max}, the patch the loader cuts");
        }
        if (scale != 1 && sizes.Any(g => g < gtSize))
            problems.Add($"{d.PathOf("gt_sizes")}: progressive patches crop LQ and GT alike, which needs scale 1 (got {scale})");
        return new ProgressiveOptions(batches.Select(b => (int)b).ToArray(), iters, sizes.Select(g => (int)g).ToArray());
    }

    /// <summary>Loader keys (BasicSR reads them for the training set; validation loaders use batch 1, no workers).</summary>
    static DatasetOptions ReadLoaderKeys(OptionMap d, string phase, List<string> problems)
    {
        var o = new DatasetOptions { Key = "", Phase = phase, Name = "" };
        if (phase != "train") return o;
        int workers = d.GetInt("num_worker_per_gpu", 0), batch = d.GetInt("batch_size_per_gpu", 1), ratio = d.GetInt("dataset_enlarge_ratio", 1);
        if (workers < 0) throw new OptionException(d.PathOf("num_worker_per_gpu"), $"must be ≥ 0, got {workers}");
        if (batch < 1) throw new OptionException(d.PathOf("batch_size_per_gpu"), $"must be ≥ 1, got {batch}");
        if (ratio < 1) throw new OptionException(d.PathOf("dataset_enlarge_ratio"), $"must be ≥ 1, got {ratio}");
        string? prefetch = d.GetString("prefetch_mode");
        if (prefetch is not (null or "cpu" or "cuda"))
            throw new OptionException(d.PathOf("prefetch_mode"), $"'{prefetch}' is not a BasicSR prefetch mode (~, cpu or cuda)");
        int? queue = d.GetIntOrNull("num_prefetch_queue");
        if (queue is < 1) throw new OptionException(d.PathOf("num_prefetch_queue"), $"must be ≥ 1, got {queue}");
        return o with
        {
            UseShuffle = d.GetBool("use_shuffle", true), NumWorkerPerGpu = workers, BatchSizePerGpu = batch, DatasetEnlargeRatio = ratio,
            PrefetchQueue = queue,
        };
    }

    static OptimizerOptions? ParseOptimizer(OptionMap? o, string path, List<string> problems)
    {
        if (o == null) { problems.Add($"{path}: the optimiser is missing"); return null; }
        string type = o.GetString("type") ?? "";
        OptimizerKind kind;
        switch (type)
        {
            case "Adam": kind = OptimizerKind.Adam; break;
            case "AdamW": kind = OptimizerKind.AdamW; break;
            default:
                problems.Add($"{o.PathOf("type")}: optimiser '{type}' is not supported (Adam or AdamW)");
                MarkAll(o);
                return null;
        }
        double lr = o.RequireDouble("lr");
        var betas = o.GetDoubleList("betas") ?? [0.9, 0.999];
        if (betas.Count != 2) throw new OptionException(o.PathOf("betas"), $"must be two numbers, got {betas.Count}");
        double wd = o.GetDouble("weight_decay", kind == OptimizerKind.AdamW ? 1e-2 : 0);
        double eps = o.GetDouble("eps", 1e-8);
        if (o.GetBool("amsgrad", false)) problems.Add($"{o.PathOf("amsgrad")}: AMSGrad is not supported");
        if (!(lr > 0)) throw new OptionException(o.PathOf("lr"), $"must be positive, got {lr}");
        foreach (var b in betas) if (!(b >= 0 && b < 1)) throw new OptionException(o.PathOf("betas"), $"each beta must be in [0, 1), got {b}");
        return new OptimizerOptions(kind, lr, betas[0], betas[1], wd, eps);
    }

    static SchedulerOptions? ParseScheduler(OptionMap? s, string path, List<string> problems)
    {
        if (s == null) { problems.Add($"{path}: the learning-rate scheduler is missing"); return null; }
        string type = s.GetString("type") ?? "";
        switch (type)
        {
            case "MultiStepLR" or "MultiStepRestartLR":
            {
                var ms = s.GetLongList("milestones") ?? throw new OptionException(s.PathOf("milestones"), "is required");
                var restarts = s.GetLongList("restarts") ?? [0];
                var weights = s.GetDoubleList("restart_weights") ?? [1];
                if (restarts.Count != weights.Count) throw new OptionException(s.PathOf("restart_weights"), "must have one weight per restart");
                return new SchedulerOptions { Kind = SchedulerKind.MultiStep, Milestones = ms, Gamma = s.GetDouble("gamma", 0.1), Restarts = restarts, RestartWeights = weights };
            }
            case "CosineAnnealingRestartLR":
            {
                var periods = s.GetLongList("periods") ?? throw new OptionException(s.PathOf("periods"), "is required");
                var weights = s.GetDoubleList("restart_weights") ?? [1];
                if (periods.Count != weights.Count) throw new OptionException(s.PathOf("restart_weights"), "must have one weight per period");
                return new SchedulerOptions { Kind = SchedulerKind.CosineAnnealingRestart, Periods = periods, RestartWeights = weights, EtaMins = [s.GetDouble("eta_min", 0)] };
            }
            case "CosineAnnealingRestartCyclicLR":
            {
                var periods = s.GetLongList("periods") ?? throw new OptionException(s.PathOf("periods"), "is required");
                var weights = s.GetDoubleList("restart_weights") ?? [1];
                var etas = s.GetDoubleList("eta_mins") ?? [0];
                if (periods.Count != weights.Count) throw new OptionException(s.PathOf("restart_weights"), "must have one weight per period");
                if (etas.Count != periods.Count) throw new OptionException(s.PathOf("eta_mins"), "must have one minimum per period");
                return new SchedulerOptions { Kind = SchedulerKind.CosineAnnealingRestartCyclic, Periods = periods, RestartWeights = weights, EtaMins = etas };
            }
            default:
                problems.Add($"{s.PathOf("type")}: scheduler '{type}' is not supported (MultiStepLR, CosineAnnealingRestartLR or CosineAnnealingRestartCyclicLR)");
                MarkAll(s);
                return null;
        }
    }

    static LossOptions? ParseLoss(OptionMap? l, string path, List<string> problems)
    {
        if (l == null) return null;
        string type = l.GetString("type") ?? "";
        LossKind kind;
        switch (type)
        {
            case "L1Loss": kind = LossKind.L1; break;
            case "MSELoss": kind = LossKind.Mse; break;
            case "CharbonnierLoss": kind = LossKind.Charbonnier; break;
            default:
                problems.Add($"{l.PathOf("type")}: loss '{type}' is not supported (L1Loss, MSELoss or CharbonnierLoss)");
                MarkAll(l);
                return null;
        }
        var reduction = ParseReduction(l);
        double eps = kind == LossKind.Charbonnier ? l.GetDouble("eps", 1e-12) : 0;
        return new LossOptions(kind, l.GetDouble("loss_weight", 1.0), reduction, eps);
    }

    /// <summary>A loss's <c>reduction</c> (<c>mean</c>, the default, or <c>sum</c>).</summary>
    static LossReduction ParseReduction(OptionMap l)
    {
        string red = l.GetString("reduction") ?? "mean";
        return red switch
        {
            "mean" => LossReduction.Mean,
            "sum" => LossReduction.Sum,
            _ => throw new OptionException(l.PathOf("reduction"), $"'{red}' cannot be trained with (mean or sum)"),
        };
    }

    static GradientLossOptions? ParseGradientLoss(OptionMap? l, List<string> problems)
    {
        if (l == null) return null;
        string type = l.GetString("type") ?? "";
        if (type != "GradientProfileLoss")
        {
            problems.Add($"{l.PathOf("type")}: loss '{type}' is not supported here (GradientProfileLoss)");
            MarkAll(l);
            return null;
        }
        var reduction = ParseReduction(l);
        double w = l.GetDouble("loss_weight", 1.0);
        if (!(w >= 0) || double.IsInfinity(w)) throw new OptionException(l.PathOf("loss_weight"), $"must be a finite number ≥ 0, got {w}");
        return new GradientLossOptions(w, reduction);
    }

    static ValidationOptions? ParseValidation(OptionMap? v, List<string> problems)
    {
        if (v == null) return null;
        int freq = (int)(v.GetLongOrNull("val_freq") ?? throw new OptionException(v.PathOf("val_freq"), "is required"));
        if (freq < 1) throw new OptionException(v.PathOf("val_freq"), $"must be ≥ 1, got {freq}");
        var metrics = new List<MetricOptions>();
        if (v.Map("metrics") is { } ms)
        {
            foreach (var name in ms.Keys)
            {
                var m = ms.Map(name) ?? throw new OptionException(ms.PathOf(name), "must be a metric mapping");
                string type = m.GetString("type") ?? "";
                MetricKind? kind = type switch { "calculate_psnr" => MetricKind.Psnr, "calculate_ssim" => MetricKind.Ssim, _ => null };
                if (kind == null) { problems.Add($"{m.PathOf("type")}: metric '{type}' is not supported (calculate_psnr or calculate_ssim)"); MarkAll(m); continue; }
                string better = m.GetString("better") ?? "higher";
                if (better is not ("higher" or "lower")) throw new OptionException(m.PathOf("better"), $"must be higher or lower, got '{better}'");
                int crop = m.GetInt("crop_border", 0);
                if (crop < 0) throw new OptionException(m.PathOf("crop_border"), $"must be ≥ 0, got {crop}");
                metrics.Add(new MetricOptions(name, kind.Value, crop, m.GetBool("test_y_channel", false), better == "higher"));
            }
        }
        return new ValidationOptions
        {
            ValFreq = freq, SaveImages = v.GetBool("save_img", false), Metrics = metrics,
            TextRecognizers = v.GetStringList("text_recognizers") ?? ["ppocr"],
        };
    }

    static LoggerOptions ParseLogger(OptionMap? l)
    {
        if (l == null) return new LoggerOptions(100, 5000, true);
        int print = (int)(l.GetLongOrNull("print_freq") ?? 100), save = (int)(l.GetLongOrNull("save_checkpoint_freq") ?? 5000);
        if (print < 1) throw new OptionException(l.PathOf("print_freq"), $"must be ≥ 1, got {print}");
        if (save < 1) throw new OptionException(l.PathOf("save_checkpoint_freq"), $"must be ≥ 1, got {save}");
        return new LoggerOptions(print, save, l.GetBool("use_tb_logger", true));
    }

    /// <summary><c>os.path.expanduser</c>.</summary>
    static string? ExpandUser(string? p)
    {
        if (p == null) return null;
        if (p == "~" || p.StartsWith("~/", StringComparison.Ordinal))
            return Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + p[1..];
        return p;
    }

    /// <summary>A read-only dictionary view over some keys of an option map that marks them read when looked up.</summary>
    sealed class TrackingDictionary(OptionMap map, string[] keys) : IReadOnlyDictionary<string, object?>
    {
        public object? this[string key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException(key);
        public IEnumerable<string> Keys => keys.Where(map.Contains);
        public IEnumerable<object?> Values => Keys.Select(k => map.Get(k));
        public int Count => Keys.Count();
        public bool ContainsKey(string key) => keys.Contains(key) && map.Contains(key);
        public bool TryGetValue(string key, out object? value)
        {
            value = null;
            if (!keys.Contains(key) || !map.TryGet(key, out var v)) return false;
            value = v is OptionList l ? l.ToArray() : v;
            return true;
        }
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Keys.Select(k => new KeyValuePair<string, object?>(k, map.Get(k))).GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
