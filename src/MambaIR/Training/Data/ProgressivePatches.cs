using System.Numerics;
using MambaIR.Training.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Data;

/// <summary>One stage of progressive training: its index, patch size and images per GPU.</summary>
public readonly record struct ProgressiveStage(int Index, int GtSize, int MiniBatchSize);

/// <summary>
/// The progressive patches of Restormer's <c>train.py</c> (the real-denoising U-Net's training). With
/// <c>groups[j] = iters[0] + … + iters[j]</c>, iteration <c>current_iter</c> (1-based) is in the first stage j with
/// <c>current_iter ≤ groups[j]</c>, and in the last stage after the sum of all stages. The loader delivers
/// <c>batch_size_per_gpu</c> patches of <c>gt_size</c> per GPU; in stage j each GPU keeps
/// <c>random.sample(range(batch_size_per_gpu), mini_batch_sizes[j])</c> of them when that is fewer, and crops
/// <c>gt_sizes[j]</c> from them at <c>x0 = int((gt_size − gt_sizes[j])·random())</c> (rows), then
/// <c>y0 = int((gt_size − gt_sizes[j])·random())</c> (columns), the same window for LQ and GT (scale 1).
/// <para>BasicSR's training on one device stands for <c>num_gpu</c> GPUs: the batch is cut into <c>num_gpu</c> parts of
/// <c>batch_size_per_gpu</c>, each drawn on its own. The draws come from CPython's generator keyed by (seed, iteration,
/// part) (<see cref="RandomFor"/>) instead of the process-wide one the official code uses, so a resumed run draws exactly
/// what the uninterrupted run drew.</para>
/// </summary>
public sealed class ProgressivePatches
{
    readonly ProgressiveOptions _o;
    readonly long[] _groups;

    /// <param name="options">The three lists.</param>
    /// <param name="gtSize">The patch the loader cuts (<c>gt_size</c>).</param>
    public ProgressivePatches(ProgressiveOptions options, int gtSize)
    {
        _o = options;
        GtSize = gtSize;
        _groups = new long[options.Iters.Count];
        long sum = 0;
        for (int i = 0; i < _groups.Length; i++) _groups[i] = sum += options.Iters[i];
    }

    /// <summary><c>gt_size</c>: the largest patch, as loaded.</summary>
    public int GtSize { get; }

    /// <summary>The stage of 1-based iteration <paramref name="iteration"/>.</summary>
    public ProgressiveStage StageAt(long iteration)
    {
        int j = Array.FindIndex(_groups, g => iteration <= g);
        if (j < 0) j = _groups.Length - 1;
        return new ProgressiveStage(j, _o.GtSizes[j], _o.MiniBatchSizes[j]);
    }

    /// <summary>The generator of part <paramref name="part"/> (GPU rank) at <paramref name="iteration"/>: CPython's
    /// <c>random.Random(seed + iteration·2³² + (part + 1)·2¹²⁸)</c>, apart from every sample's generator (<see cref="SampleRandom"/>).</summary>
    public static PythonRandom RandomFor(long seed, long iteration, int part) =>
        new(new BigInteger(seed) + (new BigInteger(iteration) << 32) + (new BigInteger(part + 1) << 128));

    /// <summary>
    /// Cuts one GPU's part of the batch (LQ and GT (b, C, gt_size, gt_size), b = batch_size_per_gpu) as stage
    /// <paramref name="stage"/> says, drawing from <paramref name="rng"/>: subset first, then the crop window.
    /// </summary>
    public static (Tensor Lq, Tensor Gt) Cut(Tensor lq, Tensor gt, ProgressiveStage stage, int gtSize, PythonRandom rng)
    {
        long b = lq.shape[0];
        if (stage.MiniBatchSize < b)
        {
            var keep = rng.Sample((int)b, stage.MiniBatchSize);
            using var idx = tensor(keep.Select(i => (long)i).ToArray(), device: lq.device);
            lq = lq.index_select(0, idx);
            gt = gt.index_select(0, idx);
        }
        if (stage.GtSize < gtSize)
        {
            int x0 = (int)((gtSize - stage.GtSize) * rng.Random());
            int y0 = (int)((gtSize - stage.GtSize) * rng.Random());
            lq = lq.narrow(2, x0, stage.GtSize).narrow(3, y0, stage.GtSize);
            gt = gt.narrow(2, x0, stage.GtSize).narrow(3, y0, stage.GtSize);
        }
        return (lq, gt);
    }
}
