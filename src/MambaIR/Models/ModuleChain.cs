using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// Runs modules one after another, freeing each intermediate as soon as the next module has read it (a dispose scope would
/// keep them all until it ends). Autograd keeps its own references to what backward needs, so this holds in training too.
/// The input is never freed; the result belongs to the caller's scope.
/// </summary>
public static class ModuleChain
{
    public static Tensor Run(Tensor input, IEnumerable<nn.Module<Tensor, Tensor>> modules)
    {
        Tensor x = input;
        foreach (var m in modules)
        {
            var next = m.forward(x);
            if (!ReferenceEquals(x, input) && !ReferenceEquals(next, x)) x.Dispose();
            x = next;
        }
        return x;
    }

    /// <summary>The modules of a Sequential, in order.</summary>
    public static IEnumerable<nn.Module<Tensor, Tensor>> Of(TorchSharp.Modules.Sequential sequential) =>
        sequential.children().Cast<nn.Module<Tensor, Tensor>>();
}
