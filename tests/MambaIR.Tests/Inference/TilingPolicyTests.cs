using MambaIR.Models;
using MambaIR.Cli;
using MambaIR.Inference;
using MambaIR.Native;
using static TorchSharp.torch;

namespace MambaIR.Tests.Inference;

[Collection("torch")]
public class TilingPolicyTests
{
    static ModelDescriptor WithMemory(PeakMemory memory) => ModelDescriptor.ForFunction("affine", StandInNetworks.Affine, 1, 3, memory: memory);

    [Fact]
    public void Largest_tile_is_the_biggest_that_fits_the_budget()
    {
        var memory = new PeakMemory(5e6, 1000);
        const long budget = 200_000_000;
        int tile = TileSizer.LargestTile(memory.Bytes, budget);
        Assert.Equal(0, tile % TileSizer.Granularity);
        Assert.True(memory.Bytes(tile, tile) <= budget);
        Assert.True(memory.Bytes(tile + TileSizer.Granularity, tile + TileSizer.Granularity) > budget);
    }

    [Fact]
    public void Not_even_the_smallest_tile_fitting_is_an_out_of_memory_error()
    {
        var e = Assert.Throws<OutOfMemoryException>(() => TileSizer.LargestTile(new PeakMemory(0, 1e6).Bytes, 100_000_000));
        Assert.Contains("32×32", e.Message);
    }

    [Fact]
    public void Auto_stays_within_the_memory_budget()
    {
        // Without a speed probe, auto runs whole images that fit and tiles the largest size that fits otherwise.
        Assert.IsType<WholeImage>(Inner(TilingPolicy.Auto().Choose(4000, 3000, WithMemory(new PeakMemory(0, 1)))));
        const long budget = 400_000_000;
        // A network needing a quarter of the budget per 100×100 pixels: tiles of about 200 px, not the whole 5000×5000 image.
        double perPixel = budget / 4.0 / 10_000 / PeakMemory.SafetyFactor;
        var policy = TilingPolicy.Auto(MemoryBudget.Of(budget));
        var strategy = Assert.IsType<BlendedTiling>(Inner(policy.Choose(5000, 5000, WithMemory(new PeakMemory(0, perPixel)))));
        Assert.InRange(strategy.TileSize, 184, 200);
        Assert.Throws<OutOfMemoryException>(() => policy.Choose(500, 500, WithMemory(new PeakMemory(0, budget))));
    }

    [Fact]
    public void Default_budget_is_a_quarter_of_physical_memory()
    {
        long physical = MemoryBudget.PhysicalBytes(CPU)!.Value;
        Assert.Equal(physical / 4, MemoryBudget.Default.For(CPU, available: long.MaxValue)!.Value, tolerance: 1);
        Assert.Equal(1000, MemoryBudget.Default.For(CPU, available: 1000));          // never more than is free
        Assert.Equal(5000, MemoryBudget.Of(5000).For(CPU, available: long.MaxValue));
    }

    [Fact]
    public void Auto_picks_the_tile_size_measured_fastest()
    {
        // A stand-in whose cost per call grows with the square of the pixel count beyond 128² (as page faults make large
        // CPU calls slower per pixel): 128 px tiles are the fastest; small images still run whole.
        Tensor Slow(Tensor x)
        {
            double px = x.shape[2] * x.shape[3];
            Thread.Sleep(TimeSpan.FromMilliseconds(2 + px / 16384.0 * 8 * Math.Max(1, px / 16384.0)));
            return x.clone();
        }
        var model = ModelDescriptor.ForFunction("slow", Slow, 1, 3, memory: new PeakMemory(0, 1));
        var probe = new TileSpeedProbe(model, model.Run);
        var choice = TilingPolicy.Auto(MemoryBudget.Of(1L << 40)).Choose(3000, 2000, model, probe);
        var tiles = Assert.IsType<BlendedTiling>(Inner(choice));
        Assert.Equal(128, tiles.TileSize);
        Assert.Contains("measured fastest", choice.Description);
        Assert.Contains(64, probe.Seconds.Keys);
        Assert.Contains(256, probe.Seconds.Keys);
        Assert.DoesNotContain(1024, probe.Seconds.Keys);        // measuring stopped past the fastest size
        Assert.IsType<WholeImage>(Inner(TilingPolicy.Auto(MemoryBudget.Of(1L << 40)).Choose(100, 120, model, probe)));
        // A 144×144 image (which once got 64 px tiles because measuring stopped early) runs whole without measuring.
        var fresh = new TileSpeedProbe(model, model.Run);
        Assert.IsType<WholeImage>(Inner(TilingPolicy.Auto(MemoryBudget.Of(1L << 40)).Choose(144, 144, model, fresh)));
        Assert.Empty(fresh.Seconds);
    }

    static ITileStrategy Inner(ITileStrategy s) => s is ChosenStrategy c ? c.Inner : s;

    [Theory]
    [InlineData("auto", null, "auto")]
    [InlineData("none", null, "none")]
    [InlineData("256", null, "blended 256 px tiles, 32 px overlap")]
    [InlineData("96", 10, "blended 96 px tiles, 10 px overlap")]
    [InlineData("official", null, "official")]
    public void Options_parse(string tile, int? overlap, string described) =>
        Assert.StartsWith(described, CliOptions.ParseTile(tile, overlap).Description);

    [Theory]
    [InlineData("official", 8)]
    [InlineData("none", 8)]
    [InlineData("64", 30)]
    [InlineData("-5", null)]
    [InlineData("1", null)]
    [InlineData("31", null)]
    [InlineData("lots", null)]
    public void Contradictory_or_invalid_options_are_rejected(string tile, int? overlap) =>
        Assert.ThrowsAny<ArgumentException>(() => CliOptions.ParseTile(tile, overlap));

    [Fact]
    public void Fixed_tiles_run_small_images_whole()
    {
        var net = WithMemory(new PeakMemory(0, 1));
        Assert.IsType<WholeImage>(TilingPolicy.Fixed(128).Choose(100, 128, net));
        Assert.IsType<BlendedTiling>(TilingPolicy.Fixed(128).Choose(100, 129, net));
        Assert.IsType<OfficialTiling>(TilingPolicy.Official.Choose(10, 10, net));
    }
}

/// <summary>Tests that measure this process's memory: run alone so other tests' allocations do not disturb them.</summary>
[CollectionDefinition("memory", DisableParallelization = true)]
public sealed class MemoryCollection { }

[Collection("memory")]
public class MemoryProbeTests
{
    public MemoryProbeTests() => MambaIR.Native.TorchRuntime.EnsureInitialized();

    [Fact]
    public void Probe_finds_the_per_pixel_memory_of_a_network()
    {
        if (!OperatingSystem.IsLinux()) return; // the CPU probe reads /proc; elsewhere Measure returns null by design
        const int channels = 20_000;              // 80 kB per pixel, kept alive until the call returns
        Tensor Hungry(Tensor x) => x.repeat(1, channels / 3 + 1, 1, 1).sum(1, keepdim: true).expand(-1, 3, -1, -1);
        var memory = MemoryProbe.Measure(Hungry, 3, CPU, ScalarType.Float32);
        Assert.NotNull(memory);
        double expected = (channels / 3 + 1) * 3 * 4.0;
        Assert.InRange(memory!.BytesPerPixel, 0.9 * expected, 2.0 * expected);
    }
}
