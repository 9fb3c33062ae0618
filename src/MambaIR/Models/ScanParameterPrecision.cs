using MambaIR.Ops;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// The parameters that define a selective scan's dynamics — A_logs (A = −exp(A_logs)), Ds and the δ bias — stay
/// float32 when a network is converted to bfloat16 or float16 for reduced-precision inference: the scan runs and
/// accumulates in float32 anyway (<see cref="SelectiveScan.Run"/> converts its inputs), and bfloat16's 8-bit
/// mantissa would move A, and with it every decay exp(δ·A), by up to 0.4 %. The modules that own such parameters
/// (<see cref="SS2D"/>, <see cref="V2.SingleDirectionScan"/>) call <see cref="Capture"/> before libtorch converts them
/// and <see cref="Restore"/> after.
/// </summary>
internal static class ScanParameterPrecision
{
    /// <summary>float32 copies of <paramref name="parameters"/> when <paramref name="dtype"/> is a reduced type, else null.</summary>
    public static Tensor[]? Capture(ScalarType dtype, params Parameter[] parameters)
    {
        if (!SelectiveScan.IsReduced(dtype)) return null;
        using var noGrad = no_grad();
        return parameters.Select(p => p.detach().to(ScalarType.Float32, copy: true).DetachFromDisposeScope()).ToArray();
    }

    /// <summary>A float32 parameter holding <paramref name="value"/> (taken over), on <paramref name="like"/>'s device.</summary>
    public static Parameter Restore(Tensor value, Parameter like)
    {
        using var noGrad = no_grad();
        var data = value.to(like.device);
        if (!ReferenceEquals(data, value)) value.Dispose();
        return new Parameter(data.DetachFromDisposeScope(), like.requires_grad);
    }
}
