using MambaIR.Inference;
using static TorchSharp.torch;

namespace MambaIR.Tests.Inference;

[Collection("torch")]
public class TilingPolicyTests
{
    static RestorationNetwork WithMemory(PeakMemory memory) => new(StandInNetworks.Affine, 1, 3, memory: memory);

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
    public void Auto_runs_whole_when_it_fits_and_tiles_to_memory_when_not()
    {
        Assert.IsType<WholeImage>(TilingPolicy.Auto().Choose(4000, 3000, WithMemory(new PeakMemory(0, 1))));
        long free = AvailableMemory.Cpu();
        // A network needing a quarter of the budget per 100×100 pixels: tiles of about 200 px, not the whole 5000×5000 image.
        double perPixel = free * TileSizer.BudgetFraction / 4 / 10_000 / PeakMemory.SafetyFactor;
        var strategy = Assert.IsType<BlendedTiling>(TilingPolicy.Auto().Choose(5000, 5000, WithMemory(new PeakMemory(0, perPixel))));
        Assert.InRange(strategy.TileSize, 184, 200);
        Assert.Throws<OutOfMemoryException>(() => TilingPolicy.Auto().Choose(500, 500, WithMemory(new PeakMemory(0, free))));
    }

    [Theory]
    [InlineData("auto", null, false, "auto")]
    [InlineData("none", null, false, "none")]
    [InlineData("256", null, false, "blended 256 px tiles, 32 px overlap")]
    [InlineData("96", 10, false, "blended 96 px tiles, 10 px overlap")]
    [InlineData("auto", null, true, "official")]
    public void Options_parse(string tile, int? overlap, bool official, string described) =>
        Assert.StartsWith(described, TilingPolicy.Parse(tile, overlap, official).Description);

    [Theory]
    [InlineData("256", null, true)]
    [InlineData("auto", 8, true)]
    [InlineData("none", 8, false)]
    [InlineData("64", 30, false)]
    [InlineData("-5", null, false)]
    [InlineData("lots", null, false)]
    public void Contradictory_or_invalid_options_are_rejected(string tile, int? overlap, bool official) =>
        Assert.ThrowsAny<ArgumentException>(() => TilingPolicy.Parse(tile, overlap, official));

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
        var memory = MemoryProbe.Measure(new RestorationNetwork(Hungry, 1, 3));
        Assert.NotNull(memory);
        double expected = (channels / 3 + 1) * 3 * 4.0;
        Assert.InRange(memory!.BytesPerPixel, 0.9 * expected, 2.0 * expected);
    }
}
