using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Training.Optimization;

/// <summary>
/// Mixed-precision training with float32 master weights (Micikevicius et al., "Mixed Precision Training", ICLR 2018): the
/// trained network — what the optimiser updates, the EMA follows, validation runs and checkpoints hold — stays float32,
/// and a compute copy of it in bfloat16 runs each step's forward and backward. The copy is converted as for reduced-precision
/// inference (<c>Models/MixedPrecision.cs</c>): for MambaIR the matrix products and convolutions run in bfloat16, while the
/// residual stream, the LayerNorms, the selective scan and its parameters (A_logs, Ds, the δ bias) stay float32 (MambaIRv2
/// and the U-Net keep only the scan and those parameters), and the network's output and the loss are float32. Each step: <see cref="CopyToCompute"/> (master → copy, rounded), forward and backward on
/// <see cref="Compute"/>, <see cref="MoveGradientsToMaster"/> (the copy's gradients, as float32, become the masters'), then
/// the optimiser as usual. bfloat16 has float32's exponent range, so no loss scaling is needed.
/// </summary>
public sealed class MasterWeights : IDisposable
{
    readonly (string Name, Parameter Master, Parameter Compute)[] _parameters;
    readonly (Tensor Master, Tensor Compute)[] _buffers;

    /// <param name="master">The float32 network being trained.</param>
    /// <param name="compute">A second network of the same architecture (its values are overwritten), converted here to
    /// <paramref name="dtype"/> and moved to the master's device; taken over (disposed with this).</param>
    /// <param name="dtype">The type of the products and convolutions: bfloat16.</param>
    public MasterWeights(nn.Module<Tensor, Tensor> master, nn.Module<Tensor, Tensor> compute, ScalarType dtype)
    {
        if (dtype != ScalarType.BFloat16)
            throw new ArgumentException($"mixed-precision training runs in bfloat16; {dtype.ToString().ToLowerInvariant()} is not supported " +
                                        "(float16 would need loss scaling for its narrow exponent range)", nameof(dtype));
        var first = master.parameters().FirstOrDefault()
            ?? throw new ArgumentException("the network has no parameters", nameof(master));
        if (first.dtype != ScalarType.Float32)
            throw new ArgumentException($"the master weights must be float32, got {first.dtype.ToString().ToLowerInvariant()}", nameof(master));
        DType = dtype;
        Compute = compute;
        compute.to(dtype).to(first.device);
        var masters = master.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var copies = compute.named_parameters().ToList();
        if (copies.Count != masters.Count || copies.Any(c => !masters.ContainsKey(c.name)))
            throw new ArgumentException("the compute network's parameters are not the master network's (different architectures)", nameof(compute));
        _parameters = copies.Select(c =>
        {
            var m = masters[c.name];
            if (!m.shape.SequenceEqual(c.parameter.shape))
                throw new ArgumentException($"parameter {c.name}: master shape ({string.Join(", ", m.shape)}) but compute shape ({string.Join(", ", c.parameter.shape)})", nameof(compute));
            return (c.name, m, c.parameter);
        }).ToArray();
        var masterBuffers = master.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        _buffers = compute.named_buffers().Where(b => masterBuffers.ContainsKey(b.name)).Select(b => (masterBuffers[b.name], b.buffer)).ToArray();
        CopyToCompute();
    }

    /// <summary>The network that runs the forward and backward (the master's values in <see cref="DType"/> where it computes).</summary>
    public nn.Module<Tensor, Tensor> Compute { get; }

    /// <summary>The reduced type of the products and convolutions.</summary>
    public ScalarType DType { get; }

    /// <summary>Parameters the compute copy keeps in float32 (norms, the scan's parameters), by name.</summary>
    public IEnumerable<string> Float32Parameters => _parameters.Where(p => p.Compute.dtype == ScalarType.Float32).Select(p => p.Name);

    /// <summary>Parameters the compute copy holds in <see cref="DType"/>, and all of them.</summary>
    public (int Reduced, int All) ParameterCounts => (_parameters.Count(p => p.Compute.dtype == DType), _parameters.Length);

    /// <summary>Master values into the compute copy (rounded to its types), before a step's forward.</summary>
    public void CopyToCompute()
    {
        using var noGrad = no_grad();
        foreach (var (_, m, c) in _parameters) c.copy_(m);
        foreach (var (m, c) in _buffers) c.copy_(m);
    }

    /// <summary>
    /// After the backward: each compute parameter's gradient, as float32, becomes its master's (replacing any), and the compute
    /// copy's gradients are cleared. A parameter that received no gradient leaves its master's without one.
    /// </summary>
    public void MoveGradientsToMaster()
    {
        using var noGrad = no_grad();
        foreach (var (_, m, c) in _parameters)
        {
            using var g = c.grad;
            if (g is null) continue;
            c.grad = null;
            using var asMaster = g.to(m.dtype);
            var old = m.grad;
            m.grad = asMaster;
            old?.Dispose();
        }
    }

    public void Dispose() => Compute.Dispose();
}
