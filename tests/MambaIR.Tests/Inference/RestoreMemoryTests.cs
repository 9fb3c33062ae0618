using MambaIR.Imaging;
using MambaIR.Inference;
using MambaIR.Models;
using MambaIR.Native;
using MambaIR.Tests.Models;
using Xunit.Abstractions;

namespace MambaIR.Tests.Inference;

/// <summary>Restore's memory over many images and under a budget, measured on this process (Linux /proc): run alone.</summary>
[Collection("memory")]
public class RestoreMemoryTests(ITestOutputHelper log)
{
    static long Status(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line.AsSpan(key.Length).Trim().TrimEnd("kB").Trim()) * 1024;
        return -1;
    }

    [Fact]
    public void Restoring_200_images_keeps_the_resident_set_flat()
    {
        if (!OperatingSystem.IsLinux()) return;
        TorchRuntime.EnsureInitialized();
        string dir = TestPaths.NewTempDir(), input = Path.Combine(dir, "in"), output = Path.Combine(dir, "out");
        Directory.CreateDirectory(input);
        var rng = new Random(5);
        for (int i = 0; i < 200; i++)
        {
            var px = new float[3 * 24 * 20];
            for (int j = 0; j < px.Length; j++) px[j] = rng.Next(256) / 255f;
            ImageFile.Write(Path.Combine(input, $"img{i:D3}.png"), new RasterImage(24, 20, 3, px));
        }
        using var model = ModelLoader.Load(TinyModels.WritePth(TinyModels.Light(2), dir));
        // The resident set is the process's: tensors that earlier tests left to the garbage collector would be finalised
        // during the run and lower it (a run once read −12 %, hiding any growth). Free them, and the heap's free pages, first.
        SettleProcessMemory();
        var rss = new List<long>();
        var batch = new BatchRestorer(new ImageRestorer(model, TilingPolicy.Auto()), new OutputNaming(output, "x2", OutputFormat.Png));
        var summary = batch.Run(new[] { input }, recursive: false,
            new SyncProgress<BatchProgress>(p => { if (p.Stage == BatchStage.Restored) rss.Add(Status("VmRSS:")); }));
        Assert.Equal(200, summary.Restored.Count);
        // After a warm-up of 20 images: the mean of the last 50 readings at most 5 % above the mean of the first 50 (a leak
        // grows it; memory other code frees meanwhile can only lower it, which is no leak).
        double first = rss.Skip(20).Take(50).Average(), last = rss.TakeLast(50).Average();
        log.WriteLine($"RSS: first 50 (after warm-up) {first / 1e6:F1} MB, last 50 {last / 1e6:F1} MB ({(last / first - 1) * 100:+0.00;-0.00} %)");
        Assert.True(last / first <= 1.05, $"the resident set grew by {(last / first - 1) * 100:F1} % over 200 images ({first / 1e6:F1} → {last / 1e6:F1} MB)");
        Directory.Delete(dir, true);
    }

    /// <summary>Finalises what earlier tests left to the garbage collector and hands the heap's free pages back, so that
    /// readings of this process's memory reflect what the test itself does.</summary>
    static void SettleProcessMemory()
    {
        for (int i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        GlibcHeap.ReleaseFreeMemory();
    }

    [Fact]
    public void Auto_tiling_stays_within_the_memory_budget()
    {
        if (!OperatingSystem.IsLinux()) return;
        TorchRuntime.EnsureInitialized();
        SettleProcessMemory();
        string dir = TestPaths.NewTempDir();
        using var model = ModelLoader.Load(TinyModels.WritePth(TinyModels.Light(2), dir));
        var memory = model.Memory ?? throw new InvalidOperationException("the memory probe gave no reading");
        var rng = new Random(6);
        var px = new float[3 * 960 * 720];
        for (int j = 0; j < px.Length; j++) px[j] = rng.Next(256) / 255f;
        var image = new RasterImage(960, 720, 3, px);
        // A budget half of what the whole image would need, and at least 256 MB: auto must tile, and the peak must stay
        // under it. The probe's per-pixel figure depends on what earlier work left allocated (2.6–3.6 kB/pixel when this
        // test runs alone, 0.4–0.8 after other tests), and the restore's fixed costs — the output image and its blending
        // buffers, outside the tiles' estimate — are tens of MB: a quarter of a 640×480 image's estimate once gave a 42 MB
        // budget against a 61 MB peak in CI, and with 256-pixel tiles the peak rise of that image ranged 47–104 MB (this
        // one: 118–126 MB). The lowest estimate seen, 0.4 kB/pixel, still puts the whole image above the floor.
        long budget = Math.Max(memory.Bytes(720, 960) / 2, 256L << 20);
        var restorer = new ImageRestorer(model, TilingPolicy.Auto(MemoryBudget.Of(budget)));
        var strategy = restorer.StrategyFor(720, 960);           // measures tile speeds first (within the budget too)
        Assert.IsType<BlendedTiling>(((ChosenStrategy)strategy).Inner);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        File.WriteAllText("/proc/self/clear_refs", "5");
        long before = Status("VmRSS:");
        var result = restorer.Restore(image, strategy);
        long peak = Status("VmHWM:") - before;
        log.WriteLine($"{strategy.Description}; budget {budget / 1e6:F0} MB, peak rise {peak / 1e6:F0} MB (whole image estimated {memory.Bytes(720, 960) / 1e6:F0} MB)");
        Assert.Equal((1920, 1440), (result.Width, result.Height));
        Assert.True(peak <= budget, $"peak {peak / 1e6:F0} MB over the {budget / 1e6:F0} MB budget");
        Directory.Delete(dir, true);
    }
}
