using MambaIR.Models;
using MambaIR.Imaging;
using MambaIR.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Tests.Inference;

[Collection("torch")]
public class ImageRestorerTests
{
    static RasterImage Gradient(int w, int h, int channels, bool alpha = false, int bitDepth = 8)
    {
        var px = new float[channels * w * h];
        var rng = new Random(7);
        for (int i = 0; i < px.Length; i++) px[i] = bitDepth == 16 ? rng.Next(65536) / 65535f : rng.Next(256) / 255f;
        float[]? a = null;
        if (alpha)
        {
            a = new float[w * h];
            for (int i = 0; i < a.Length; i++) a[i] = bitDepth == 16 ? rng.Next(65536) / 65535f : rng.Next(256) / 255f;
        }
        return new RasterImage(w, h, channels, px, a, bitDepth);
    }

    static ImageRestorer Identity(int channels, int scale = 1, List<long[]>? seenShapes = null, List<Tensor>? seenInputs = null) =>
        new(ModelDescriptor.ForFunction("network", x =>
        {
            seenShapes?.Add(x.shape);
            seenInputs?.Add(x.clone().DetachFromDisposeScope());
            return scale == 1 ? x.clone() : x.repeat_interleave(scale, 2).repeat_interleave(scale, 3);
        }, scale, channels), TilingPolicy.Whole);

    [Fact]
    public void Sixteen_bit_and_alpha_survive_a_file_round_trip()
    {
        string dir = TestPaths.NewTempDir();
        var source = Gradient(23, 17, 3, alpha: true, bitDepth: 16);
        string input = Path.Combine(dir, "in.png"), output = Path.Combine(dir, "out.png");
        ImageFile.Write(input, source);
        var restored = Identity(3).Restore(ImageFile.Read(input));
        ImageFile.Write(output, restored);
        var back = ImageFile.Read(output);
        Assert.Equal(16, back.BitDepth);
        Assert.NotNull(back.Alpha);
        Assert.Equal(source.Pixels, back.Pixels);
        Assert.Equal(source.Alpha, back.Alpha);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Alpha_is_upscaled_not_dropped_for_super_resolution()
    {
        var source = Gradient(10, 8, 3, alpha: true);
        Array.Fill(source.Alpha!, 0.5f);
        var seen = new List<long[]>();
        var restored = Identity(3, scale: 3, seenShapes: seen).Restore(source);
        Assert.Equal((30, 24), (restored.Width, restored.Height));
        Assert.All(seen, s => Assert.Equal(3, s[1]));                   // the network never saw alpha
        Assert.NotNull(restored.Alpha);
        Assert.All(restored.Alpha!, a => Assert.Equal(0.5f, a, 5));     // a constant plane stays constant under bicubic
        Assert.Equal(8, restored.BitDepth);
    }

    [Fact]
    public void Grey_network_on_colour_image_restores_luma_and_keeps_chroma()
    {
        var source = Gradient(12, 9, 3);
        var inputs = new List<Tensor>();
        var restored = Identity(1, seenInputs: inputs).Restore(source);
        Assert.Equal(3, restored.Channels);
        for (int i = 0; i < source.Pixels.Length; i++) Assert.Equal(source.Pixels[i], restored.Pixels[i], 1e-5f);
        // The network saw exactly the image's luma.
        var luma = source.ToChannels(1).Pixels;
        var seen = inputs.Single();
        Assert.Equal(new long[] { 1, 1, 9, 12 }, seen.shape);
        var seenValues = seen.data<float>().ToArray();
        for (int i = 0; i < luma.Length; i++) Assert.Equal(luma[i], seenValues[i], 1e-5f);
    }

    [Fact]
    public void Grey_network_super_resolves_a_colour_image()
    {
        var source = Gradient(12, 9, 3);
        var restored = Identity(1, scale: 2).Restore(source);
        Assert.Equal((24, 18, 3), (restored.Width, restored.Height, restored.Channels));
    }

    [Fact]
    public void Colour_network_on_grey_image_gives_a_grey_image()
    {
        var source = Gradient(12, 9, 1, bitDepth: 16);
        var inputs = new List<Tensor>();
        var restored = Identity(3, seenInputs: inputs).Restore(source);
        Assert.Equal((1, 16), (restored.Channels, restored.BitDepth));
        for (int i = 0; i < source.Pixels.Length; i++) Assert.Equal(source.Pixels[i], restored.Pixels[i], 1e-5f);
        var seen = inputs.Single();
        Assert.Equal(3, seen.shape[1]);
        Assert.True(StandInNetworks.Identical(seen.narrow(1, 0, 1), seen.narrow(1, 2, 1)));
    }

    [Fact]
    public void Results_are_clamped_and_tiling_is_applied()
    {
        var source = Gradient(40, 30, 3);
        var seen = new List<long[]>();
        var restorer = new ImageRestorer(ModelDescriptor.ForFunction("network", x => { seen.Add(x.shape); return x * 3 - 1; }, 1, 3), TilingPolicy.Fixed(16, 4));
        var restored = restorer.Restore(source);
        Assert.All(restored.Pixels, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(new BlendedTiling(16, 4).TileCount(30, 40), seen.Count);
        Assert.All(seen, s => Assert.True(s[2] <= 16 && s[3] <= 16));
    }

    [Theory]
    [InlineData(3, 1, false)]
    [InlineData(1, 2, true)]
    public void No_tensor_outlives_an_image(int networkChannels, int scale, bool ensemble)
    {
        var restorer = new ImageRestorer(ModelDescriptor.ForFunction("network", StandInNetworks.NearestUpsampler(scale), scale, networkChannels),
            TilingPolicy.Fixed(16, 4), ensemble);
        var image = Gradient(37, 29, 3, alpha: true);
        restorer.Restore(image);
        long before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        for (int i = 0; i < 5; i++) restorer.Restore(image);
        Assert.Equal(before, DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Out_of_memory_in_the_network_suggests_a_smaller_tile()
    {
        var restorer = new ImageRestorer(ModelDescriptor.ForFunction("network", 
            _ => throw new System.Runtime.InteropServices.ExternalException("CUDA out of memory. Tried to allocate 2.00 GiB"), 1, 3),
            TilingPolicy.Fixed(256));
        var e = Assert.Throws<OutOfMemoryException>(() => restorer.Restore(Gradient(300, 200, 3)));
        Assert.Contains("smaller tiles (e.g. 128 px)", e.Message);
        Assert.Contains("CUDA out of memory", e.Message);
    }

    [Fact]
    public void Ycbcr_round_trip_is_exact_to_float_precision()
    {
        using var rgb = StandInNetworks.RandomImage(1, 3, 7, 5, ScalarType.Float64);
        using var back = ColourPlanes.ToRgb(ColourPlanes.ToYCbCr(rgb));
        Assert.True(back.allclose(rgb, rtol: 0, atol: 1e-12));
    }
}
