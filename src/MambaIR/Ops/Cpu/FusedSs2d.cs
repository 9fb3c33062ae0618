using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Ops.Cpu;

/// <summary>
/// The whole SS2D block on the CPU, around the fused four-way scan (<see cref="IFourWaySelectiveScan"/>): in_proj's x half,
/// the depthwise conv and SiLU, the scan read straight from raster order, out_norm ⊙ SiLU(z), out_proj — the computation of
/// <c>Models.SS2D</c>'s own path, in the same order. Each intermediate is freed as soon as the next step has read it
/// (autograd keeps its own references to what backward needs), z is computed after the scan rather than kept through it,
/// and without autograd the depthwise conv with SiLU and out_norm with the gate are single-pass CPU kernels
/// (<see cref="DepthwiseConvSilu"/>, <see cref="LayerNormGate"/>, the latter in place): an inference forward holds at most
/// x, y and one pair of directions' x_proj outputs besides its input.
/// </summary>
public static class FusedSs2d
{
    /// <summary>The scan backend the fused block would use for these tensors, or null when it does not apply (not float32 /
    /// float64 CPU tensors, or the chosen backend has no fused form, e.g. the reference forced).</summary>
    public static IFourWaySelectiveScan? ChooseScan(Tensor input, Ss2dWeights w)
    {
        if (input.device_type != DeviceType.CPU || input.dtype is not (ScalarType.Float32 or ScalarType.Float64)) return null;
        if (w.Tensors.Any(t => t.device_type != DeviceType.CPU || t.dtype != input.dtype)) return null;
        return SelectiveScan.ChooseFourWays(new FourWayScanInputs(input, w.XProj, w.DtProjWeight, w.DtProjBias, w.ALogs, w.Ds));
    }

    /// <summary>Pixels per band when z is computed band by band (<see cref="ForwardRecomputingInput"/>).</summary>
    public const int GateBandPixels = 16384;

    /// <summary>
    /// Inference only (no autograd): SS2D of <paramref name="norm"/>(<paramref name="source"/>), (B, H, W, C) → (B, H, W, C),
    /// with the normalised input freed as soon as in_proj's x half has read it and computed again for the z half, a band of
    /// <see cref="GateBandPixels"/> pixels at a time, each band's z gated into y at once. Neither the normalised input nor z
    /// is alive during the scan or at full size afterwards (the normalisation is per pixel, so a band's is the whole one's).
    /// </summary>
    public static Tensor ForwardRecomputingInput(Tensor source, Func<Tensor, Tensor> norm, Ss2dWeights w, IFourWaySelectiveScan scan)
    {
        using var scope = NewDisposeScope();
        long di = w.Channels, c = source.shape[^1], pixels = source.numel() / c;
        int threads = CpuSelectiveScan.Threads, bits = CpuSelectiveScan.HardwareVectorBits[0];
        Tensor xin, x;
        using (var input = norm(source))
        using (var wx = w.InProj.narrow(0, 0, di))
            xin = nn.functional.linear(input, wx);
        using (xin) x = DepthwiseConvSilu.Apply(xin, w.ConvWeight, w.ConvBias, bits, threads);
        var y = scan.RunFourWays(new FourWayScanInputs(x, w.XProj, w.DtProjWeight, w.DtProjBias, w.ALogs, w.Ds));
        x.Dispose();
        using (var rows = source.reshape(pixels, c))
        using (var yRows = y.view(pixels, di))
        using (var wz = w.InProj.narrow(0, di, di))
            for (long p0 = 0; p0 < pixels; p0 += GateBandPixels)
            {
                long count = Math.Min(GateBandPixels, pixels - p0);
                using var band = rows.narrow(0, p0, count);
                using var normed = norm(band);
                using var z = nn.functional.linear(normed, wz);
                using var yBand = yRows.narrow(0, p0, count);
                LayerNormGate.Apply(yBand, z, w.OutNormWeight, w.OutNormBias, w.OutNormEps, bits, threads);
            }
        var output = nn.functional.linear(y, w.OutProj);
        y.Dispose();
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>SS2D of <paramref name="input"/> (B, H, W, C): (B, H, W, C).</summary>
    public static Tensor Forward(Tensor input, Ss2dWeights w, IFourWaySelectiveScan scan)
    {
        using var scope = NewDisposeScope();
        long di = w.Channels;
        bool inPlace = !(is_grad_enabled() && (input.requires_grad || w.Tensors.Any(t => t.requires_grad)));
        int threads = CpuSelectiveScan.Threads, bits = CpuSelectiveScan.HardwareVectorBits[0];
        Tensor x;
        using (var xin = nn.functional.linear(input, w.InProj.narrow(0, 0, di)))
        {
            if (inPlace) x = DepthwiseConvSilu.Apply(xin, w.ConvWeight, w.ConvBias, bits, threads);
            else
            {
                // Channels-last memory seen as (B, D_i, H, W): the depthwise conv runs on it without a transposed copy.
                using var conv = nn.functional.conv2d(xin.permute(0, 3, 1, 2), w.ConvWeight, w.ConvBias, padding: new long[] { 1, 1 }, groups: di);
                x = nn.functional.silu(conv).permute(0, 2, 3, 1);
            }
        }
        var y = scan.RunFourWays(new FourWayScanInputs(x, w.XProj, w.DtProjWeight, w.DtProjBias, w.ALogs, w.Ds));
        x.Dispose();
        Tensor gated;
        using (var z = nn.functional.linear(input, w.InProj.narrow(0, di, di)))
        {
            if (inPlace)
            {
                LayerNormGate.Apply(y, z, w.OutNormWeight, w.OutNormBias, w.OutNormEps, bits, threads);
                gated = y;
            }
            else
            {
                using var normed = nn.functional.layer_norm(y, new[] { di }, w.OutNormWeight, w.OutNormBias, w.OutNormEps);
                using var gate = nn.functional.silu(z);
                gated = normed * gate;
                y.Dispose();
            }
        }
        var output = nn.functional.linear(gated, w.OutProj);
        gated.Dispose();
        return output.MoveToOuterDisposeScope();
    }
}
