using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Distributed;

/// <summary>
/// The data-parallel step between the backward and the optimiser: every parameter's gradient and the step's logged
/// values (the losses) are averaged over the ranks in one collective call (one bucket for the float32 gradients, one
/// for the float64 values). Each rank's loss is the mean over its local batch, so with equal local batches the
/// average of the ranks' gradients is the gradient of the mean over the global batch, and the average of their losses
/// is the global batch's loss, as BasicSR logs it (<c>reduce_loss_dict</c>).
/// </summary>
public static class GradientAveraging
{
    /// <summary>Averages the gradients of <paramref name="parameters"/> in place and returns the averaged <paramref name="values"/>.</summary>
    public static double[] Average(IGradientAllReduce ranks, IEnumerable<Tensor> parameters, Device device, params double[] values)
    {
        using var scope = NewDisposeScope();
        var list = new List<Tensor>();
        foreach (var p in parameters)
            if (p.grad is { } g) list.Add(g);
        var scalars = tensor(values, ScalarType.Float64).to(device);
        list.Add(scalars);
        ranks.AllReduce(list, AllReduceMode.Average);
        return scalars.cpu().data<double>().ToArray();
    }

    /// <summary>True on every rank when <paramref name="mine"/> is true on at least one (a collective decision, e.g. to stop at a time limit).</summary>
    public static bool AnyRank(IGradientAllReduce ranks, bool mine, Device device)
    {
        using var scope = NewDisposeScope();
        var flag = tensor(new[] { mine ? 1.0 : 0.0 }, ScalarType.Float64).to(device);
        ranks.AllReduce([flag], AllReduceMode.Sum);
        return flag.cpu().data<double>()[0] > 0;
    }
}
