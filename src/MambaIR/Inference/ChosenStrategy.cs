using static TorchSharp.torch;

namespace MambaIR.Inference;

/// <summary>A strategy with the reason it was chosen, printed with it.</summary>
public sealed class ChosenStrategy(ITileStrategy inner, string reason) : ITileStrategy
{
    /// <summary>The strategy that runs.</summary>
    public ITileStrategy Inner { get; } = inner;
    /// <summary>Why it was chosen.</summary>
    public string Reason { get; } = reason;
    /// <inheritdoc/>
    public string Description => $"{Inner.Description} ({Reason})";
    /// <inheritdoc/>
    public int TileCount(long height, long width) => Inner.TileCount(height, width);
    /// <inheritdoc/>
    public Tensor Run(Tensor input, Func<Tensor, Tensor> network, int scale,
        IProgress<TileProgress>? progress = null, CancellationToken cancel = default) => Inner.Run(input, network, scale, progress, cancel);
}
