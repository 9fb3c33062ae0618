using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// Runs modules one after another, freeing each intermediate as soon as the next module has read it (a dispose scope would
/// keep them all until it ends). Autograd keeps its own references to what backward needs, so this holds in training too.
/// The input is freed only when handed over; the result belongs to the caller's scope.
/// </summary>
public static class ModuleChain
{
    /// <param name="freeInput">Free <paramref name="input"/> too once the first module has read it (the caller hands it over).</param>
    public static Tensor Run(Tensor input, IEnumerable<nn.Module<Tensor, Tensor>> modules, bool freeInput = false)
    {
        Tensor x = input;
        foreach (var m in modules)
        {
            var next = m.forward(x);
            if ((freeInput || !ReferenceEquals(x, input)) && !ReferenceEquals(next, x)) x.Dispose();
            x = next;
        }
        return x;
    }

    /// <summary>The modules of a Sequential, in order.</summary>
    public static IEnumerable<nn.Module<Tensor, Tensor>> Of(TorchSharp.Modules.Sequential sequential) =>
        sequential.children().Cast<nn.Module<Tensor, Tensor>>();
}
