using static TorchSharp.torch;

namespace MambaIR.Ops;

/// <summary>
/// Memory hygiene for custom autograd functions. TorchSharp wraps the incoming gradients of a backward in new managed
/// tensors and copies the returned gradients into the graph only after the backward returns; neither set of managed
/// wrappers is ever disposed, so their device memory would live until the garbage collector finalises them (a training
/// loop on CUDA grew past 100 GB that way). <see cref="Return"/> keeps the returned tensors out of every dispose scope and
/// disposes them at this thread's next backward (<see cref="ReleasePrevious"/>), when the engine has long copied them;
/// <see cref="ReleaseIncoming"/> disposes the incoming gradients once they are used.
/// </summary>
internal static class AutogradHandoff
{
    [ThreadStatic] static List<Tensor>? _pending;

    /// <summary>Disposes what this thread's previous backward returned.</summary>
    public static void ReleasePrevious()
    {
        if (_pending is not { Count: > 0 } p) return;
        foreach (var t in p) t.Dispose();
        p.Clear();
    }

    /// <summary>Hands <paramref name="t"/> to the autograd engine: detached from dispose scopes, disposed at the next backward.</summary>
    public static Tensor? Return(Tensor? t)
    {
        if (t is null) return null;
        t.DetachFromDisposeScope();
        (_pending ??= new List<Tensor>()).Add(t);
        return t;
    }

    /// <summary>Disposes the gradient wrappers a backward received (the engine keeps its own references).</summary>
    public static void ReleaseIncoming(List<Tensor> grads)
    {
        foreach (var g in grads) g?.Dispose();
    }
}
