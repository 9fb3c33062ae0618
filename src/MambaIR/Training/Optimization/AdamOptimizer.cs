using MambaIR.Training.Options;
using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace MambaIR.Training.Optimization;

/// <summary>
/// Adam and AdamW exactly as PyTorch 2's single-tensor implementation (<c>torch.optim.adam._single_tensor_adam</c>, the
/// one used on the CPU) computes them, per parameter with step t:
/// AdamW first decays <c>p ← p·(1 − lr·wd)</c>; Adam adds <c>wd·p</c> to the gradient;
/// <c>m ← lerp(m, g, 1 − β1)</c>; <c>v ← β2·v + (1 − β2)·g²</c>; <c>p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)</c>.
/// The state (step counts and moments) is held here and exported/imported whole (<see cref="State"/>), so a resumed run
/// continues with exactly the same numbers. One parameter group; the learning rate is set by the scheduler.
/// On a CUDA device the step runs as multi-tensor kernels (<see cref="MultiTensorKernels"/>: the same arithmetic, one launch
/// per 64 tensors instead of about ten per tensor); elsewhere, or without a CUDA compiler, per tensor as above.
/// </summary>
public sealed class AdamOptimizer : IDisposable
{
    readonly (string Name, Parameter Param)[] _params;
    readonly Dictionary<string, (long Step, Tensor ExpAvg, Tensor ExpAvgSq)> _state = new(StringComparer.Ordinal);

    /// <param name="parameters">Named parameters (those with <c>requires_grad</c>), in module order.</param>
    /// <param name="options">Kind, base lr, betas, weight decay, eps.</param>
    public AdamOptimizer(IEnumerable<(string Name, Parameter Param)> parameters, OptimizerOptions options)
    {
        _params = parameters.Where(p => p.Param.requires_grad).ToArray();
        Options = options;
        Lr = options.Lr;
        InitialLr = options.Lr;
    }

    public OptimizerOptions Options { get; }

    /// <summary>Environment variable that, set to 0, makes the per-tensor path the default (a fallback, and for comparisons).</summary>
    public const string FusedKernelsEnvironmentVariable = "MAMBAIR_FUSED_OPTIMIZER";

    /// <summary>
    /// Whether a step on a CUDA device may use the multi-tensor kernels (default true unless
    /// <see cref="FusedKernelsEnvironmentVariable"/> is 0; false forces the per-tensor path).
    /// </summary>
    public bool FusedKernels { get; set; } = Environment.GetEnvironmentVariable(FusedKernelsEnvironmentVariable) != "0";

    MultiTensorKernels? _kernels;
    string? _fusedUnavailable;

    /// <summary>The current learning rate (PyTorch's <c>param_groups[0]['lr']</c>).</summary>
    public double Lr { get; set; }

    /// <summary>The group's <c>initial_lr</c> (set by the scheduler, as PyTorch does).</summary>
    public double InitialLr { get; }

    /// <summary>Parameters optimised, in order.</summary>
    public IReadOnlyList<(string Name, Parameter Param)> Parameters => _params;

    /// <summary>Sets every gradient to none (PyTorch 2's <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in _params)
        {
            var g = p.grad;
            if (g is null) continue;
            p.grad = null;
            g.Dispose();
        }
    }

    /// <summary>
    /// How steps run, in one line (for the log): the multi-tensor kernels, or the per-tensor path and why. Loads the
    /// kernels on first call (a compilation, or a read of the disk cache).
    /// </summary>
    public string DescribeUpdatePath()
    {
        if (FusedKernels && Kernels() is not null) return "multi-tensor CUDA kernels";
        return _fusedUnavailable is { } why ? $"per tensor ({why})" : "per tensor";
    }

    MultiTensorKernels? Kernels()
    {
        if (_kernels is not null || _fusedUnavailable is not null) return _kernels;
        if (_params.Length == 0) { _fusedUnavailable = "no parameters"; return null; }
        var first = _params[0].Param;
        if (first.device.type != DeviceType.CUDA) { _fusedUnavailable = $"parameters on {first.device}"; return null; }
        if (_params.Any(p => p.Param.device.type != DeviceType.CUDA || p.Param.device.index != first.device.index || p.Param.dtype != first.dtype || !p.Param.is_contiguous()))
        {
            _fusedUnavailable = "parameters of several devices or dtypes, or not contiguous";
            return null;
        }
        if (!MultiTensorKernels.Supports(first.dtype)) { _fusedUnavailable = $"{first.dtype} parameters"; return null; }
        _kernels = MultiTensorKernels.TryFor(Math.Max(0, (int)first.device.index), first.dtype, out var why);
        if (_kernels is null) _fusedUnavailable = why;
        return _kernels;
    }

    /// <summary>One optimisation step over every parameter that has a gradient.</summary>
    public void Step()
    {
        if (FusedKernels && Kernels() is { } kernels) { FusedStep(kernels); return; }
        using var noGrad = no_grad();
        double lr = Lr, b1 = Options.Beta1, b2 = Options.Beta2, wd = Options.WeightDecay, eps = Options.Eps;
        foreach (var (name, param) in _params)
        {
            using var scope = NewDisposeScope();
            var grad = param.grad;
            if (grad is null) continue;
            if (!_state.TryGetValue(name, out var st))
            {
                st = (0, zeros_like(param).DetachFromDisposeScope(), zeros_like(param).DetachFromDisposeScope());
            }
            long step = st.Step + 1;
            if (Options.Kind == OptimizerKind.AdamW) param.mul_(1 - lr * wd);
            else if (wd != 0) grad = grad.add(param, alpha: wd);
            using (var w = tensor(1 - b1, dtype: st.ExpAvg.dtype, device: st.ExpAvg.device)) st.ExpAvg.lerp_(grad, w);
            st.ExpAvgSq.mul_(b2).addcmul_(grad, grad, value: 1 - b2);
            double bc1 = 1 - Math.Pow(b1, step);
            double bc2 = 1 - Math.Pow(b2, step);
            double stepSize = lr / bc1;
            double bc2Sqrt = Math.Sqrt(bc2);
            var denom = (st.ExpAvgSq.sqrt() / bc2Sqrt).add_(eps);
            param.addcdiv_(st.ExpAvg, denom, value: -stepSize);
            _state[name] = (step, st.ExpAvg, st.ExpAvgSq);
        }
    }

    void FusedStep(MultiTensorKernels kernels)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        double b1 = Options.Beta1, b2 = Options.Beta2;
        var byStep = new SortedDictionary<long, List<(Tensor P, Tensor G, Tensor M, Tensor V)>>();
        foreach (var (name, param) in _params)
        {
            var grad = param.grad;
            if (grad is null) continue;
            if (!_state.TryGetValue(name, out var st))
                st = (0, zeros_like(param).DetachFromDisposeScope(), zeros_like(param).DetachFromDisposeScope());
            long step = st.Step + 1;
            _state[name] = (step, st.ExpAvg, st.ExpAvgSq);
            if (!byStep.TryGetValue(step, out var list)) byStep[step] = list = new();
            list.Add((param, grad.is_contiguous() ? grad : grad.contiguous(), st.ExpAvg, st.ExpAvgSq));
        }
        // Usually one group: every parameter has had a gradient at every step.
        foreach (var (step, list) in byStep)
            kernels.Adam(list, Options, Lr, Lr / (1 - Math.Pow(b1, step)), Math.Sqrt(1 - Math.Pow(b2, step)));
    }

    /// <summary>The state for saving: per parameter name, the step and the two moments (the tensors are the live ones; copy to keep).</summary>
    public IReadOnlyDictionary<string, (long Step, Tensor ExpAvg, Tensor ExpAvgSq)> State => _state;

    /// <summary>Restores the state saved by <see cref="State"/> (moments copied onto each parameter's device and dtype).</summary>
    /// <exception cref="InvalidDataException">A parameter's saved moments are missing or have another shape.</exception>
    public void Load(IReadOnlyDictionary<string, (long Step, Tensor ExpAvg, Tensor ExpAvgSq)> state, string source)
    {
        foreach (var (_, t) in _state) { t.ExpAvg.Dispose(); t.ExpAvgSq.Dispose(); }
        _state.Clear();
        foreach (var (name, p) in _params)
        {
            if (!state.TryGetValue(name, out var s)) continue; // a parameter that never had a gradient
            if (!s.ExpAvg.shape.SequenceEqual(p.shape) || !s.ExpAvgSq.shape.SequenceEqual(p.shape))
                throw new InvalidDataException($"{source}: optimiser state for {name} has shape ({string.Join(", ", s.ExpAvg.shape)}), the parameter ({string.Join(", ", p.shape)})");
            _state[name] = (s.Step, s.ExpAvg.to(p.dtype, p.device).contiguous().clone().DetachFromDisposeScope(), s.ExpAvgSq.to(p.dtype, p.device).contiguous().clone().DetachFromDisposeScope());
        }
        var unknown = state.Keys.Except(_params.Select(p => p.Name)).ToList();
        if (unknown.Count > 0) throw new InvalidDataException($"{source}: optimiser state for parameters this network does not have: {string.Join(", ", unknown.Take(5))}");
    }

    public void Dispose()
    {
        foreach (var (_, t) in _state) { t.ExpAvg.Dispose(); t.ExpAvgSq.Dispose(); }
        _state.Clear();
    }
}
