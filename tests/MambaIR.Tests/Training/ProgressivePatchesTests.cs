using MambaIR.Imaging;
using MambaIR.Training.Data;
using MambaIR.Training.Options;
using static TorchSharp.torch;

namespace MambaIR.Tests.Training;

/// <summary>Restormer's progressive patches, mixup and Dataset_PairedImage transforms against their definitions
/// (Restormer's train.py and data utilities, CPython's random, numpy's rot90/flipud and OpenCV's BORDER_REFLECT).</summary>
[Collection("torch")]
public class ProgressivePatchesTests
{
    static readonly ProgressiveOptions Official = TrainOptionsLoader.Load(Path.Combine(TestPaths.Shared, "official-options", "realDenoising", "train_MambaIR_RealDN.yml")).Train!.Progressive!;

    [Fact]
    public void Stages_FollowTheCumulativeIterations_AtEveryBoundary()
    {
        var p = new ProgressivePatches(Official, 384);
        // groups = cumsum(iters) = [92k, 156k, 204k, 240k, 276k, 300k]; stage j is the first with current_iter ≤ groups[j].
        long[] groups = [92000, 156000, 204000, 240000, 276000, 300000];
        int[] sizes = [128, 160, 192, 256, 320, 384], batches = [8, 5, 4, 2, 1, 1];
        Assert.Equal(new ProgressiveStage(0, 128, 8), p.StageAt(1));
        for (int j = 0; j < groups.Length; j++)
        {
            Assert.Equal(new ProgressiveStage(j, sizes[j], batches[j]), p.StageAt(groups[j]));
            if (j + 1 < groups.Length) Assert.Equal(new ProgressiveStage(j + 1, sizes[j + 1], batches[j + 1]), p.StageAt(groups[j] + 1));
        }
        Assert.Equal(new ProgressiveStage(5, 384, 1), p.StageAt(300001));   // past the last group: the last stage
        Assert.Equal(new ProgressiveStage(5, 384, 1), p.StageAt(10_000_000));
    }

    [Fact]
    public void PythonSample_AndTheCutWindow_AreCPythons()
    {
        // CPython 3.11: random.Random(12345).sample(range(8), 5), .sample(range(40), 7) (the set branch), .random().
        var r = new PythonRandom(12345);
        Assert.Equal(new[] { 6, 5, 0, 2, 4 }, r.Sample(8, 5));
        Assert.Equal(new[] { 12, 17, 36, 27, 10, 23, 7 }, r.Sample(40, 7));
        Assert.Equal(0.874174337334456, r.Random(), 15);
        // random.Random(100 + (7 << 32) + (1 << 128)): sample(range(8), 5) = [2, 1, 6, 7, 4], then x0 = 217, y0 = 30 for 160 of 384.
        using var scope = NewDisposeScope();
        var lq = arange(8 * 384 * 384, dtype: ScalarType.Float32).view(8, 1, 384, 384);
        var gt = lq + 0.5f;
        var (l, g) = ProgressivePatches.Cut(lq, gt, new ProgressiveStage(1, 160, 5), 384, ProgressivePatches.RandomFor(100, 7, 0));
        Assert.Equal(new long[] { 5, 1, 160, 160 }, l.shape);
        var expected = lq.index_select(0, tensor(new long[] { 2, 1, 6, 7, 4 }))[.., .., 217..377, 30..190];
        Assert.True(TensorAssert.Same(l, expected));
        Assert.True(TensorAssert.Same(g, expected + 0.5f));
        // A stage with the loader's batch and patch leaves the batch as it is, drawing nothing.
        var (same, _) = ProgressivePatches.Cut(lq, gt, new ProgressiveStage(5, 384, 8), 384, new PythonRandom(1));
        Assert.True(TensorAssert.Same(same, lq));
    }

    [Fact]
    public void Mixup_MixesConvexly_AndIdentityLeavesTheBatch()
    {
        using var scope = NewDisposeScope();
        var gt = rand(2, 3, 8, 8);
        var lq = rand(2, 3, 8, 8);
        // use_identity: randint(0, 1) — CPython's random.Random(5).randint(0, 1) is 1 (identity), Random(3)'s is 0 (mixup).
        Assert.Equal(1, new PythonRandom(5).RandInt(0, 1));
        Assert.Equal(0, new PythonRandom(3).RandInt(0, 1));
        var (l0, g0) = MixingAugment.Apply(lq, gt, new MixupOptions(1.2, true), new PythonRandom(5));
        Assert.True(TensorAssert.Same(l0, lq) && TensorAssert.Same(g0, gt));
        // Mixup: every output is λ·x + (1−λ)·x[perm] for one λ ∈ (0, 1) and a permutation, so the batch sum is kept and
        // each output lies between the inputs.
        manual_seed(11);
        var (l, g) = MixingAugment.Apply(lq, gt, new MixupOptions(1.2, false), new PythonRandom(3));
        Assert.True(allclose(g.sum(0), gt.sum(0), 1e-5, 1e-6));
        Assert.True(allclose(l.sum(0), lq.sum(0), 1e-5, 1e-6));
        Assert.True((g >= minimum(gt[0], gt[1]) - 1e-6f).all().item<bool>() && (g <= maximum(gt[0], gt[1]) + 1e-6f).all().item<bool>());
        // λ ~ Beta(1.2, 1.2): mean 1/2, variance 1/(4·(2·1.2 + 1)) = 0.0735.
        manual_seed(5);
        var lams = Enumerable.Range(0, 4000).Select(_ => MixingAugment.DrawLambda(1.2)).ToArray();
        double mean = lams.Average(), var = lams.Select(x => (x - mean) * (x - mean)).Average();
        Assert.InRange(mean, 0.48, 0.52);
        Assert.InRange(var, 0.0735 * 0.9, 0.0735 * 1.1);
        Assert.All(lams, x => Assert.InRange(x, 0, 1));
    }

    [Fact]
    public void GeometricModes_AreNumpysRot90AndFlipud()
    {
        using var scope = NewDisposeScope();
        var img = RasterImage.Zeros(5, 3, 3);
        for (int i = 0; i < img.Pixels.Length; i++) img.Pixels[i] = i;
        var t = tensor(img.Pixels, [3, 3, 5]);
        for (int mode = 0; mode < 8; mode++)
        {
            // np.rot90(HWC, k) turns the H, W axes counter-clockwise = torch.rot90(CHW, k, dims (1, 2)); flipud reverses H.
            var expected = t.rot90(mode / 2, (1, 2));
            if (mode % 2 == 1) expected = expected.flip(1);
            var got = PairedTransforms.ApplyGeometricMode(img, mode);
            Assert.Equal(new long[] { 3, got.Height, got.Width }, expected.shape);
            Assert.True(TensorAssert.Same(tensor(got.Pixels, [3, got.Height, got.Width]), expected), $"mode {mode}");
        }
    }

    [Fact]
    public void Padding_IsOpenCvsBorderReflect()
    {
        using var scope = NewDisposeScope();
        var img = RasterImage.Zeros(4, 3, 1);
        for (int i = 0; i < img.Pixels.Length; i++) img.Pixels[i] = i;
        // BORDER_REFLECT (fedcba|abcdefgh|hgfedcb) at the bottom and right: row h+i is row h−1−i.
        var t = tensor(img.Pixels, [1, 3, 4]);
        var expected = cat([t, t.flip(1)], 1);                          // 6 rows
        expected = cat([expected, expected.flip(2)], 2)[.., .., ..6];    // 6 of 8 columns
        var got = PairedTransforms.PadReflect(img, 6);
        Assert.Equal((6, 6), (got.Width, got.Height));
        Assert.True(TensorAssert.Same(tensor(got.Pixels, [1, 6, 6]), expected));
        Assert.Same(img, PairedTransforms.PadReflect(img, 3));
    }
}
