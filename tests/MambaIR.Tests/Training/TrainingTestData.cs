using System.Globalization;
using MambaIR.Imaging;
using MambaIR.Training.Options;

namespace MambaIR.Tests.Training;

/// <summary>Small synthetic training data and option files for fast training tests.</summary>
static class TrainingTestData
{
    /// <summary>Writes <paramref name="count"/> deterministic RGB PNGs (smooth gradients plus a texture) of the given size.</summary>
    public static string MakeHrFolder(string dir, int count = 6, int width = 40, int height = 36, int seed = 1)
    {
        Directory.CreateDirectory(dir);
        var rng = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var img = RasterImage.Zeros(width, height, 3);
            double fx = 0.1 + rng.NextDouble() * 0.4, fy = 0.1 + rng.NextDouble() * 0.4, ph = rng.NextDouble() * 6;
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < height; y++)
                    for (int x = 0; x < width; x++)
                    {
                        double v = 0.5 + 0.3 * Math.Sin(fx * x + fy * y * (c + 1) + ph) + 0.15 * Math.Cos(0.9 * x * y / (width + 1.0) + c);
                        img[c, y, x] = RasterImage.Quantize8((float)Math.Clamp(v, 0, 1)) / 255f;
                    }
            ImageFile.Write(Path.Combine(dir, $"img{i:D2}.png"), img);
        }
        return dir;
    }

    /// <summary>A tiny MambaIR ×2 option file training HR-only on <paramref name="hrDir"/>; <paramref name="extra"/> overrides keys.</summary>
    public static string WriteOptions(string dir, string hrDir, string name = "tiny", string? valDir = null, int totalIter = 12,
        int saveFreq = 4, int valFreq = 1000, double ema = 0, int workers = 2, int batch = 2, int gtSize = 16, double lr = 2e-3,
        string network = "", string loss = "L1Loss")
    {
        string net = network.Length > 0 ? network : """
              type: MambaIR
              upscale: 2
              in_chans: 3
              img_size: 64
              img_range: 1.
              d_state: 4
              depths: [1]
              embed_dim: 30
              mlp_ratio: 1.2
              upsampler: 'pixelshuffledirect'
              resi_connection: '1conv'
            """;
        string val = valDir == null ? "" : $"""
              val:
                name: ValSet
                type: PairedImageDataset
                dataroot_gt: {valDir}
                io_backend:
                  type: disk
            """;
        string text = $"""
            name: {name}
            model_type: MambaIRModel
            scale: 2
            num_gpu: 1
            manual_seed: 10
            datasets:
              train:
                task: SR
                name: Synthetic
                type: PairedImageDataset
                dataroot_gt: [{hrDir}]
                filename_tmpl: '{"{}"}'
                io_backend:
                  type: disk
                gt_size: {gtSize}
                use_hflip: true
                use_rot: true
                use_shuffle: true
                num_worker_per_gpu: {workers}
                batch_size_per_gpu: {batch}
                dataset_enlarge_ratio: 3
                prefetch_mode: ~
            {val}
            network_g:
            {net}
            path:
              pretrain_network_g: ~
              strict_load_g: true
              resume_state: ~
            train:
              ema_decay: {ema.ToString(CultureInfo.InvariantCulture)}
              optim_g:
                type: Adam
                lr: !!float {lr.ToString("R", CultureInfo.InvariantCulture)}
                weight_decay: 0
                betas: [0.9, 0.99]
              scheduler:
                type: MultiStepLR
                milestones: [{totalIter / 2}]
                gamma: 0.5
              total_iter: {totalIter}
              warmup_iter: -1
              pixel_opt:
                type: {loss}
                loss_weight: 1.0
                reduction: mean
                eps: !!float 1e-3
            val:
              val_freq: {valFreq}
              save_img: false
              metrics:
                psnr:
                  type: calculate_psnr
                  crop_border: 2
                  test_y_channel: true
            logger:
              print_freq: 2
              save_checkpoint_freq: {saveFreq}
              use_tb_logger: true
            dist_params:
              backend: nccl
              port: 29500
            """;
        string path = Path.Combine(dir, $"{name}.yml");
        File.WriteAllText(path, text);
        return path;
    }

    public static TrainOptions Load(string path, params string[] overrides) => TrainOptionsLoader.Load(path, overrides);
}
