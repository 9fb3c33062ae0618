using System.Globalization;
using MambaIR.Checkpoints;
using MambaIR.Imaging;
using MambaIR.Models;
using MambaIR.Models.UNet;
using MambaIR.Models.V2;
using MambaIR.Training.Loop;
using MambaIR.Training.Options;

namespace MambaIR.Tests.Training;

/// <summary>Training MambaIRv2-light and the real-denoising U-Net (progressive patches, mixup) end to end on tiny
/// models: the loss goes down, checkpoints have the official keys and reload strictly, resume is bit-identical.</summary>
[Collection("global-rng")]
public class V2AndUNetTrainingTests
{
    const string TinyV2Light = """
          type: MambaIRv2Light
          upscale: 2
          in_chans: 3
          img_size: 64
          img_range: 1.
          embed_dim: 24
          d_state: 4
          depths: [2]
          num_heads: [2]
          window_size: 8
          inner_rank: 8
          num_tokens: 8
          convffn_kernel_size: 5
          mlp_ratio: 1.0
          upsampler: 'pixelshuffledirect'
          resi_connection: '1conv'
        """;

    static TrainingResult Train(string opt, string root, bool autoResume = false, long? stopAfter = null, params string[] overrides) =>
        Trainer.Train(TrainOptionsLoader.Load(opt, overrides), new TrainingRun { ExperimentsRoot = root, AutoResume = autoResume, StopAfterIteration = stopAfter });

    static string WriteV2Options(string dir, string hr, int totalIter, int saveFreq, double ema = 0, double lr = 2e-3, int batch = 4) =>
        TrainingTestData.WriteOptions(dir, hr, name: "tinyv2", totalIter: totalIter, saveFreq: saveFreq, ema: ema, lr: lr, batch: batch, network: TinyV2Light);

    static readonly string[] V2Model = ["model_type=MambaIRv2LightModel"];

    [Fact]
    public void TinyV2Light_FewSteps_ReduceTheLoss()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 6);
            string opt = WriteV2Options(dir, hr, totalIter: 40, saveFreq: 40);
            var r = Train(opt, Path.Combine(dir, "exp"), overrides: V2Model);
            Assert.True(r.Completed);
            Assert.Equal(40, r.Losses.Count);
            double first = r.Losses.Take(5).Average(l => l.Loss), last = r.Losses.TakeLast(5).Average(l => l.Loss);
            Assert.True(last < 0.6 * first, $"loss {first} → {last}");
            Assert.Contains("Network [MambaIRv2Light] is created", File.ReadAllText(Directory.GetFiles(r.ExperimentFolder, "train_tinyv2_*.log").Single()));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void V2Checkpoint_HasTheOfficialKeys_AndReloadsStrictly()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            // The reference vector's network (the official code's state dict) trained for one step with EMA.
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Path.Combine(TestPaths.Shared, "refvec-v2"), "v2_light_x2.json")));
            var kwargs = json.RootElement.GetProperty("kwargs");
            var config = MambaIRv2Config.FromJson(kwargs, light: true);
            string net = string.Join("\n", kwargs.EnumerateObject().Select(p => $"  {p.Name}: {p.Value.GetRawText()}").Prepend("  type: MambaIRv2Light"));
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 2, width: 24, height: 24);
            string opt = TrainingTestData.WriteOptions(dir, hr, name: "refv2", totalIter: 1, saveFreq: 1, ema: 0.99, network: net, gtSize: 16);
            var r = Train(opt, Path.Combine(dir, "exp"), overrides: [.. V2Model, "datasets:train:batch_size_per_gpu=1"]);
            string ckpt = Path.Combine(r.ExperimentFolder, "models", "net_g_1.pth");
            using var official = Checkpoint.Load(Path.Combine(Path.Combine(TestPaths.Shared, "refvec-v2"), "v2_light_x2.pth"), "params");
            foreach (var key in new[] { "params", "params_ema" })
            {
                using var ours = Checkpoint.Load(ckpt, key);
                Assert.Equal(official.Keys, ours.Keys);   // same keys in the same order, the buffer relative_position_index_SA included
                foreach (var k in official.Keys) Assert.Equal(official[k].shape, ours[k].shape);
                Assert.True(TensorAssert.Same(official["relative_position_index_SA"], ours["relative_position_index_SA"]));
            }
            using var loaded = ModelLoader.Load(ckpt);   // detection + load_state_dict(strict=True)
            Assert.Equal(config, loaded.Network);
            Assert.Equal("params_ema", loaded.ParamKey);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void V2_ResumeAfterAnInterruption_IsBitIdentical()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 5);
            string opt = WriteV2Options(dir, hr, totalIter: 8, saveFreq: 3, ema: 0.9, batch: 2);
            var full = Train(opt, Path.Combine(dir, "a"), overrides: V2Model);
            var first = Train(opt, Path.Combine(dir, "b"), stopAfter: 4, overrides: V2Model);
            var second = Train(opt, Path.Combine(dir, "b"), autoResume: true, overrides: [.. V2Model, "datasets:train:num_worker_per_gpu=0"]);
            Assert.Equal(3, second.ResumedFrom);
            Assert.Equal(full.Losses.Take(4), first.Losses);
            Assert.Equal(full.Losses.Skip(3), second.Losses);
            TrainerTests.AssertSameWeights(Path.Combine(full.ExperimentFolder, "models", "net_g_latest.pth"), Path.Combine(second.ExperimentFolder, "models", "net_g_latest.pth"));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>Noisy/clean pairs (σ 20, quantised) for the U-Net's Dataset_PairedImage; some smaller than the patch.</summary>
    static (string Gt, string Lq) MakeDenoisingPairs(string dir, int count)
    {
        string gt = TrainingTestData.MakeHrFolder(Path.Combine(dir, "gt"), count: count, width: 30, height: 28);
        string lq = Path.Combine(dir, "lq");
        Directory.CreateDirectory(lq);
        var rng = new Random(5);
        foreach (var f in Directory.GetFiles(gt))
        {
            var img = ImageFile.Read(f);
            var noisy = RasterImage.Zeros(img.Width, img.Height, 3);
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < img.Height; y++)
                    for (int x = 0; x < img.Width; x++)
                        noisy[c, y, x] = RasterImage.Quantize8(Math.Clamp(img[c, y, x] + (float)((rng.NextDouble() - 0.5) * 0.3), 0f, 1f)) / 255f;
            ImageFile.Write(Path.Combine(lq, Path.GetFileName(f)), noisy);
        }
        return (gt, lq);
    }

    /// <summary>The official realDN option file's structure with a tiny U-Net (the reference vector's), progressive
    /// stages [16 px × 4, 24 px × 2, 32 px × 1] within a 32 px loader patch (larger than the 30×28 images: padded),
    /// mixup and gradient clipping as the official file has them.</summary>
    static string WriteUNetOptions(string dir, string gt, string lq, int totalIter, int saveFreq, long[] iters, double ema = 0, double lr = 2e-3) => Write(dir, "tinyunet.yml", $"""
        name: tinyunet
        model_type: ImageCleanModel
        scale: 1
        num_gpu: 2
        manual_seed: 100
        datasets:
          train:
            name: TrainSet
            type: Dataset_PairedImage
            dataroot_gt: {gt}
            dataroot_lq: {lq}
            geometric_augs: true
            filename_tmpl: '{"{}"}'
            io_backend:
              type: disk
            use_shuffle: true
            num_worker_per_gpu: 1
            batch_size_per_gpu: 2
            mini_batch_sizes: [4, 2, 1]
            iters: [{string.Join(", ", iters)}]
            gt_size: 32
            gt_sizes: [16, 24, 32]
            dataset_enlarge_ratio: 10
            prefetch_mode: ~
          val:
            name: ValSet
            type: Dataset_PairedImage
            dataroot_gt: {gt}
            dataroot_lq: {lq}
            io_backend:
              type: disk
        network_g:
          type: MambaIRUNet
          inp_channels: 3
          out_channels: 3
          dim: 30
          num_blocks: [1, 1, 1, 1]
          num_refinement_blocks: 1
          mlp_ratio: 1.5
          bias: False
          dual_pixel_task: False
        path:
          pretrain_network_g: ~
          strict_load_g: true
          resume_state: ~
        train:
          total_iter: {totalIter}
          warmup_iter: -1
          use_grad_clip: false
          ema_decay: {ema.ToString(CultureInfo.InvariantCulture)}
          scheduler:
            type: CosineAnnealingRestartCyclicLR
            periods: [{totalIter / 2}, {totalIter - totalIter / 2}]
            restart_weights: [1,1]
            eta_mins: [{lr.ToString("R", CultureInfo.InvariantCulture)}, 0.000001]
          mixing_augs:
            mixup: true
            mixup_beta: 1.2
            use_identity: true
          optim_g:
            type: AdamW
            lr: !!float {lr.ToString("R", CultureInfo.InvariantCulture)}
            weight_decay: !!float 1e-4
            betas: [0.9, 0.999]
          pixel_opt:
            type: L1Loss
            loss_weight: 1
            reduction: mean
        val:
          window_size: 8
          val_freq: {totalIter}
          save_img: false
          rgb2bgr: true
          use_image: false
          max_minibatch: 8
          metrics:
            psnr:
              type: calculate_psnr
              crop_border: 0
              test_y_channel: false
        logger:
          print_freq: 1
          save_checkpoint_freq: {saveFreq}
          use_tb_logger: false
        """);

    static string Write(string dir, string name, string text)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void TinyUNet_ProgressiveTraining_ReducesTheLoss_AndLogsEveryStage()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            var (gt, lq) = MakeDenoisingPairs(dir, 4);
            string opt = WriteUNetOptions(dir, gt, lq, totalIter: 30, saveFreq: 30, iters: [10, 10, 10]);
            var r = Train(opt, Path.Combine(dir, "exp"));
            Assert.True(r.Completed);
            double first = r.Losses.Take(4).Average(l => l.Loss), last = r.Losses.TakeLast(4).Average(l => l.Loss);
            Assert.True(last < 0.8 * first, $"loss {first} → {last}");
            string log = File.ReadAllText(Directory.GetFiles(r.ExperimentFolder, "train_tinyunet_*.log").Single());
            // batch_size_per_gpu 2 caps the stage batch (4 → 2) per GPU, × 2 GPUs; as Restormer's train.py logs it.
            Assert.Contains("Updating Patch_Size to 16 and Batch_Size to 4", log);
            Assert.Contains("Updating Patch_Size to 24 and Batch_Size to 4", log);
            Assert.Contains("Updating Patch_Size to 32 and Batch_Size to 2", log);
            // Validation on whole images (the U-Net's own padding), RGB PSNR, as ImageCleanModel validates.
            Assert.Contains("Validation ValSet", log);
            Assert.True(r.Best.TryGetValue("ValSet/psnr", out var best) && best.Value > 15 && best.Iteration == 30, $"best {best}");
            // The tiny U-Net is the reference vector's: the checkpoint has the official keys in the official order.
            string ckpt = Path.Combine(r.ExperimentFolder, "models", "net_g_latest.pth");
            using (var official = Checkpoint.Load(Path.Combine(TestPaths.Shared, "refvec-v2", "unet_realdn.pth"), "params"))
            using (var ours = Checkpoint.Load(ckpt, "params"))
                Assert.Equal(official.Keys, ours.Keys);
            using var loaded = ModelLoader.Load(ckpt);
            Assert.IsType<MambaIRUNetConfig>(loaded.Network);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void UNet_ResumeAcrossAStageBoundary_IsBitIdentical()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            var (gt, lq) = MakeDenoisingPairs(dir, 3);
            // Stages change at iterations 3 and 5; the run stops at 4 with a state at 3, so 4 is redone after resuming.
            string opt = WriteUNetOptions(dir, gt, lq, totalIter: 7, saveFreq: 3, iters: [3, 2, 2], ema: 0.9);
            var full = Train(opt, Path.Combine(dir, "a"));
            var first = Train(opt, Path.Combine(dir, "b"), stopAfter: 4);
            var second = Train(opt, Path.Combine(dir, "b"), autoResume: true, overrides: ["datasets:train:num_worker_per_gpu=0"]);
            Assert.Equal(3, second.ResumedFrom);
            Assert.Equal(full.Losses.Take(4), first.Losses);
            Assert.Equal(full.Losses.Skip(3), second.Losses);
            TrainerTests.AssertSameWeights(Path.Combine(full.ExperimentFolder, "models", "net_g_latest.pth"), Path.Combine(second.ExperimentFolder, "models", "net_g_latest.pth"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
