using MambaIR.Ops;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace MambaIR.Training.Distributed;

/// <summary>
/// An identity autograd function that says when the gradient of its output is complete: put on a module's input, its
/// backward runs once every operation of that module that the input reaches has run its backward, and — because
/// libtorch's engine runs ready nodes newest first and parameter accumulations before anything else — once every
/// parameter of the module has its final gradient. TorchSharp has no tensor gradient hooks; this is the hook
/// (arguments: the tensor, then the <see cref="Action"/> to call).
/// </summary>
internal sealed class GradientReadyMarker : MultiTensorFunction<GradientReadyMarker>
{
    public override string Name => "GradientReadyMarker";

    /// <summary><paramref name="x"/>, unchanged, with <paramref name="ready"/> called from the backward when its gradient is complete.</summary>
    public static Tensor Mark(Tensor x, Action ready) => apply(x, ready)[0];

    public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
    {
        ctx.save_data("ready", vars[1]);
        return [(Tensor)vars[0]];
    }

    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> grads)
    {
        AutogradHandoff.ReleasePrevious();
        ((Action)ctx.get_data("ready"))();
        return [AutogradHandoff.Return(grads[0])!, null!];
    }
}
