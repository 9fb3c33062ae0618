using static TorchSharp.torch;

namespace MambaIR.Inference;

/// <summary>No tiling: the whole image goes through the network in one call. Exact, but memory grows with the image.</summary>
public sealed class WholeImage : ITileStrategy
{
    public string Description => "whole image (no tiling)";

    public int TileCount(long height, long width) => 1;

    public Tensor Run(Tensor input, Func<Tensor, Tensor> network, int scale, IProgress<TileProgress>? progress = null, CancellationToken cancel = default)
    {
        TileOutput.ValidateInput(input, scale);
        cancel.ThrowIfCancellationRequested();
        var output = TileOutput.Compute(network, input, scale);
        progress?.Report(new TileProgress(1, 1));
        return output;
    }
}
