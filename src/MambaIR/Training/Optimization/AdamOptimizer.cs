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

    /// <summary>One optimisation step over every parameter that has a gradient.</summary>
    public void Step()
    {
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
            _state[name] = (s.Step, s.ExpAvg.to(p.dtype, p.device).clone().DetachFromDisposeScope(), s.ExpAvgSq.to(p.dtype, p.device).clone().DetachFromDisposeScope());
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
