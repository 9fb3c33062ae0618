using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Optimization;

/// <summary>
/// BasicSR's <c>model_ema(decay)</c>: after every optimiser step, for each parameter p of the network and its copy
/// p_ema in the EMA network, <c>p_ema ← decay · p_ema + (1 − decay) · p</c> (<c>mul_(decay).add_(p, alpha=1 − decay)</c>);
/// parameters only. Buffers are copied from the network, and <see cref="CopyFrom"/> (<c>model_ema(0)</c>) initialises
/// the EMA as a copy. The EMA network stays in eval mode and is what validation uses. On a CUDA device the parameters
/// are updated by multi-tensor kernels (<see cref="MultiTensorKernels"/>, the same arithmetic in a few launches).
/// </summary>
public sealed class ModelEma
{
    readonly (Tensor Ema, Tensor Src)[] _params;
    readonly (Tensor Ema, Tensor Src)[] _buffers;

    public ModelEma(nn.Module ema, nn.Module source, double decay)
    {
        if (!(decay >= 0 && decay < 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "ema_decay must be in [0, 1)");
        Decay = decay;
        var src = source.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        _params = ema.named_parameters().Select(p => ((Tensor)p.parameter, src.TryGetValue(p.name, out var s) ? s
            : throw new ArgumentException($"EMA network has parameter {p.name} that the network lacks"))).ToArray();
        var srcBuf = source.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        _buffers = ema.named_buffers().Where(b => srcBuf.ContainsKey(b.name)).Select(b => (b.buffer, srcBuf[b.name])).ToArray();
        ema.eval();
    }

    public double Decay { get; }

    /// <summary>Whether an update on a CUDA device may use the multi-tensor kernels (default true).</summary>
    public bool FusedKernels { get; set; } = Environment.GetEnvironmentVariable(AdamOptimizer.FusedKernelsEnvironmentVariable) != "0";

    MultiTensorKernels? _kernels;
    bool _kernelsChecked;

    MultiTensorKernels? Kernels()
    {
        if (_kernelsChecked) return _kernels;
        _kernelsChecked = true;
        if (_params.Length == 0) return null;
        var e0 = _params[0].Ema;
        if (e0.device.type != DeviceType.CUDA || !MultiTensorKernels.Supports(e0.dtype)) return null;
        if (_params.Any(p => p.Ema.device != e0.device || p.Src.device != e0.device || p.Ema.dtype != e0.dtype || p.Src.dtype != e0.dtype
                             || !p.Ema.is_contiguous() || !p.Src.is_contiguous()))
            return null;
        return _kernels = MultiTensorKernels.TryFor(Math.Max(0, (int)e0.device.index), e0.dtype, out _);
    }

    /// <summary>One update with <see cref="Decay"/>.</summary>
    public void Update() => Update(Decay);

    /// <summary><c>model_ema(decay)</c>.</summary>
    public void Update(double decay)
    {
        using var noGrad = no_grad();
        if (FusedKernels && Kernels() is { } kernels) kernels.Ema(_params, decay);
        else foreach (var (e, s) in _params) e.mul_(decay).add_(s, alpha: 1 - decay);
        foreach (var (e, s) in _buffers) e.copy_(s);
    }

    /// <summary><c>model_ema(0)</c>: the EMA becomes a copy of the network.</summary>
    public void CopyFrom() => Update(0);
}
