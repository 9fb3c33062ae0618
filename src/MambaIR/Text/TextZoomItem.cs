using static TorchSharp.torch;

namespace MambaIR.Text;

/// <summary>
/// One prepared TextZoom pair, the BasicSR dataset item: <see cref="Lq"/> (C, 16, 64) and <see cref="Gt"/> (C, 32, 128)
/// float32 RGB in [0,1] (C = 4 with the mask channel), the filtered label and <see cref="LqPath"/> = <c>subset/%09d</c>.
/// </summary>
public sealed record TextZoomItem(Tensor Lq, Tensor Gt, string Label, string LqPath) : IDisposable
{
    /// <summary>Disposes both tensors.</summary>
    public void Dispose() { Lq.Dispose(); Gt.Dispose(); }
}

/// <summary>A collated batch: <see cref="Lq"/> (B, C, 16, 64), <see cref="Gt"/> (B, C, 32, 128), labels and ids in batch order.</summary>
public sealed record TextZoomBatch(Tensor Lq, Tensor Gt, IReadOnlyList<string> Labels, IReadOnlyList<string> LqPaths) : IDisposable
{
    /// <summary>Number of samples.</summary>
    public int Count => Labels.Count;

    /// <summary>Disposes both tensors.</summary>
    public void Dispose() { Lq.Dispose(); Gt.Dispose(); }
}
