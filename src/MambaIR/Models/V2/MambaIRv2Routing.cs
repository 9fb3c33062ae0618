using static TorchSharp.torch;

namespace MambaIR.Models.V2;

/// <summary>How an ASSM assigns each pixel to one of its <c>num_tokens</c> prompts.</summary>
public enum RoutingMode
{
    /// <summary>
    /// The default: the argmax of the route logits, which is the official <c>F.gumbel_softmax(hard=True)</c> at zero
    /// noise. The forward value is that one-hot (computed as y_hard − y_soft.detach() + y_soft, as PyTorch does), the
    /// gradient flows through the softmax (straight-through). Results are reproducible.
    /// </summary>
    Deterministic,
    /// <summary>
    /// The official stochastic routing: argmax of logits + g with g = −log(E), E ~ Exp(1) drawn per (image, pixel, token)
    /// from a generator seeded with <see cref="MambaIRv2Routing.Seed"/> (on the CPU, whatever the device, so a seed gives
    /// the same noise everywhere); the gradient again flows through the softmax of the noisy logits (τ = 1). The
    /// official code routes this way also at inference, so its outputs vary from run to run (csguoh/MambaIR issue #121).
    /// </summary>
    Gumbel,
}

/// <summary>The routing of a MambaIRv2 network (<see cref="MambaIRv2Net.Routing"/>). Ties between equal token ids are
/// always broken by a stable sort (raster order).</summary>
/// <param name="Mode">Deterministic (default) or seeded Gumbel noise.</param>
/// <param name="Seed">Seed of the Gumbel noise (unused when deterministic). The generator is created when the routing
/// is set and advances with every forward, so a run of forwards is reproducible from the seed.</param>
public sealed record MambaIRv2Routing(RoutingMode Mode = RoutingMode.Deterministic, long Seed = 0)
{
    /// <summary>Argmax routing (the default).</summary>
    public static MambaIRv2Routing Deterministic { get; } = new();

    /// <summary>Seeded Gumbel routing, as the official code does at training and inference.</summary>
    public static MambaIRv2Routing Gumbel(long seed) => new(RoutingMode.Gumbel, seed);

    public override string ToString() => Mode == RoutingMode.Deterministic
        ? "deterministic (argmax of the route logits, stable sort)"
        : $"stochastic Gumbel noise, seed {Seed} (stable sort)";
}

/// <summary>The Gumbel noise source of a network in <see cref="RoutingMode.Gumbel"/> mode: one CPU generator shared by
/// every ASSM, drawn in forward order.</summary>
internal sealed class GumbelNoise : IDisposable
{
    readonly Generator _generator;

    public GumbelNoise(long seed) => _generator = new Generator(unchecked((ulong)seed), CPU);

    /// <summary>g = −log(E), E ~ Exp(1), of <paramref name="like"/>'s shape and dtype, on its device.</summary>
    public Tensor Sample(Tensor like)
    {
        using var scope = NewDisposeScope();
        var e = empty(like.shape, dtype: like.dtype).exponential_(1.0, _generator);
        return e.log_().neg_().to(like.device).MoveToOuterDisposeScope();
    }

    public void Dispose() => _generator.Dispose();
}
