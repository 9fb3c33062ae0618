using MambaIR.Ops;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// MambaIR (v1 and the U-Net's blocks) converted to bfloat16 or float16 runs like autocast: the residual stream, the
/// LayerNorms and the skip scales stay float32, and only the branches — SS2D, the channel-attention block, the
/// convolutions — run in the reduced type, their inputs converted on the way in and their outputs on the way out. A
/// residual stream in bfloat16 (8-bit mantissa) loses each block's small update against the large features: with the
/// whole network in bfloat16 the bundled ×2 model lost 0.044 dB on Set5. The parameters that define a selective scan's
/// dynamics — A_logs (A = −exp(A_logs)), Ds and the δ bias — stay float32 in every family (MambaIRv2 too): the scan runs
/// and accumulates in float32 anyway (<see cref="SelectiveScan.Run"/> converts its inputs), and bfloat16's 8-bit mantissa
/// would move A, and with it every decay exp(δ·A), by up to 0.4 %. The modules that own float32 parts capture their
/// values before libtorch converts them (<see cref="Keep"/>) and put them back after (<see cref="Restore"/>,
/// <see cref="Float32Parameter"/>).
/// </summary>
internal static class MixedPrecision
{
    /// <summary>The type of the images a network of <paramref name="dtype"/> takes: float32 for a reduced type (the network
    /// converts what it runs in that type itself), else its own.</summary>
    public static ScalarType ImageType(ScalarType dtype) => SelectiveScan.IsReduced(dtype) ? ScalarType.Float32 : dtype;

    /// <summary>Checks a network's input <paramref name="x"/> against its first weight: the same type and device, or a float32
    /// image for a network in a reduced type, for which it returns true (the caller converts it or keeps it, as its parts
    /// need). Anything else is an <see cref="ArgumentException"/> saying how to convert.</summary>
    public static bool IsFloat32ImageForReducedNetwork(Tensor x, Tensor weight)
    {
        bool reduced = SelectiveScan.IsReduced(weight.dtype) && x.dtype == ImageType(weight.dtype);
        if ((x.dtype != weight.dtype && !reduced) || x.device_type != weight.device_type || x.device_index != weight.device_index)
            throw new ArgumentException($"input is {x.dtype} on {x.device} but the model weights are {weight.dtype} on {weight.device}; convert the input with .to(...)");
        return reduced;
    }

    /// <summary><paramref name="branch"/> on <paramref name="x"/> in the type of <paramref name="weight"/> (the branch's), the
    /// result in <paramref name="x"/>'s type; a plain call when the types agree.</summary>
    public static Tensor Run(Tensor weight, Tensor x, Func<Tensor, Tensor> branch)
    {
        if (x.dtype == weight.dtype) return branch(x);
        using var scope = NewDisposeScope();
        return branch(x.to(weight.dtype)).to(x.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>float32 copies of the parameters of <paramref name="modules"/> and of <paramref name="parameters"/> when
    /// <paramref name="dtype"/> is reduced (else null), to be put back by <see cref="Restore"/> after the conversion.</summary>
    public static List<Tensor>? Keep(ScalarType dtype, IEnumerable<nn.Module> modules, params TorchSharp.Modules.Parameter[] parameters)
    {
        if (!SelectiveScan.IsReduced(dtype)) return null;
        using var noGrad = no_grad();
        return modules.SelectMany(m => m.parameters()).Concat(parameters)
            .Select(p => p.detach().to(ScalarType.Float32, copy: true).DetachFromDisposeScope()).ToList();
    }

    /// <summary>Converts <paramref name="modules"/> back to float32 with the values <see cref="Keep"/> took; returns the
    /// kept values of the loose parameters that follow (for the caller to re-register).</summary>
    public static List<Tensor> Restore(List<Tensor> kept, IEnumerable<nn.Module> modules)
    {
        using var noGrad = no_grad();
        int i = 0;
        foreach (var m in modules)
        {
            m.to(ScalarType.Float32);
            foreach (var p in m.parameters())
            {
                using var value = kept[i++];
                p.copy_(value);
            }
        }
        return kept.Skip(i).ToList();
    }

    /// <summary>A float32 parameter holding <paramref name="value"/> (a value <see cref="Restore"/> returned, taken over), on
    /// the device of <paramref name="like"/> (the converted parameter it replaces) and as trainable as it.</summary>
    public static TorchSharp.Modules.Parameter Float32Parameter(Tensor value, TorchSharp.Modules.Parameter like)
    {
        using var noGrad = no_grad();
        var data = value.to(like.device);
        if (!ReferenceEquals(data, value)) value.Dispose();
        return new TorchSharp.Modules.Parameter(data.DetachFromDisposeScope(), like.requires_grad);
    }
}
