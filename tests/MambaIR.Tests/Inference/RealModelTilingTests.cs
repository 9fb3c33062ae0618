using MambaIR.Imaging;
using MambaIR.Inference;
using MambaIR.Models;
using static TorchSharp.torch;
using Xunit.Abstractions;

namespace MambaIR.Tests.Inference;

/// <summary>
/// MambaIR's receptive field is global (every pixel's scan state reaches every other pixel), so tiling changes the output.
/// These tests measure by how much on a real image (Set5 butterfly, ×3 LR, 85×85) with the reference-vector light ×3
/// checkpoint, and check that cross-fading the overlaps is closer to the whole-image result than pasting tiles edge to edge.
/// </summary>
[Collection("torch")]
public class RealModelTilingTests(ITestOutputHelper log)
{
    static string Checkpoint => Path.Combine(TestPaths.RefVec, "v1_light_x3.pth");
    static string Image => Path.Combine(TestPaths.Benchmarks, "Set5", "LRBI", "x3", "butterfly_LRBI_x3.png");

    sealed record Difference(double MaxAbs, double MeanAbs, double Psnr)
    {
        public override string ToString() => $"max |Δ| {MaxAbs:F5}, mean |Δ| {MeanAbs:F6}, PSNR {Psnr:F2} dB";
    }

    static Difference Compare(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var d = (a.clamp(0, 1) - b.clamp(0, 1)).abs().to(ScalarType.Float64);
        double mse = d.square().mean().item<double>();
        return new Difference(d.max().item<double>(), d.mean().item<double>(), 10 * Math.Log10(1 / mse));
    }

    [Fact]
    public void Tiled_output_stays_close_to_the_whole_image_output()
    {
        using var loaded = ModelLoader.Load(Checkpoint);
        using var input = ImageFile.Read(Image).ToTensor();
        using var noGrad = no_grad();
        using var whole = new WholeImage().Run(input, loaded.Run, 3);
        using var blended = new BlendedTiling(48, 8).Run(input, loaded.Run, 3);
        using var pasted = new BlendedTiling(48, 0).Run(input, loaded.Run, 3);
        var blendedDiff = Compare(blended, whole);
        var pastedDiff = Compare(pasted, whole);
        log.WriteLine($"85×85 ×3, 2×2 tiles of ≤48 px: blended (8 px overlap) vs whole: {blendedDiff}");
        log.WriteLine($"85×85 ×3, 2×2 tiles of ≤48 px: pasted (no overlap) vs whole: {pastedDiff}");

        Assert.True(blendedDiff.Psnr > 35, $"blended tiling too far from the whole-image output: {blendedDiff}");
        Assert.True(blendedDiff.MaxAbs < 0.1, $"blended tiling too far from the whole-image output: {blendedDiff}");
        Assert.True(blendedDiff.Psnr > pastedDiff.Psnr, $"blending ({blendedDiff}) should beat hard pasting ({pastedDiff})");
        Assert.True(blendedDiff.MaxAbs > 0, "a global-receptive-field network should see the tiling");
    }
}
