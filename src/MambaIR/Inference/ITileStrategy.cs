using static TorchSharp.torch;

namespace MambaIR.Inference;

/// <summary>
/// How an image is cut into pieces, run through a network and put back together. Implementations never change what
/// the network computes on one piece; they only decide the pieces and how the overlapping outputs are merged.
/// </summary>
public interface ITileStrategy
{
    /// <summary>One line for logs and progress, e.g. <c>blended 256 px tiles, 32 px overlap</c>.</summary>
    string Description { get; }

    /// <summary>Number of network calls <see cref="Run"/> makes for an image of this size (for progress and ETA).</summary>
    int TileCount(long height, long width);

    /// <summary>
    /// Runs <paramref name="network"/> over <paramref name="input"/> (N, C, H, W) and returns its (N, C', H·scale, W·scale) output.
    /// The result is a new tensor owned by the caller; every intermediate is disposed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The network returned a shape other than (N, C', h·scale, w·scale) for an h×w piece.</exception>
    Tensor Run(Tensor input, Func<Tensor, Tensor> network, int scale, IProgress<TileProgress>? progress = null, CancellationToken cancel = default);
}

/// <summary>Progress of one image through a tile strategy: <paramref name="Done"/> of <paramref name="Total"/> network calls finished.</summary>
public readonly record struct TileProgress(int Done, int Total);
