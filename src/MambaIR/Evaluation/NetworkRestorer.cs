using MambaIR.Imaging;
using MambaIR.Inference;

namespace MambaIR.Evaluation;

/// <summary>
/// A network run under a <see cref="TestProcedure"/> through <see cref="ImageRestorer"/>: whole image or the official
/// tiling, optionally with the ×8 self-ensemble applied to each network call (so to each tile under the official
/// tiling; with whole images this is exactly BasicSR's <c>test_selfensemble</c>).
/// </summary>
public sealed class NetworkRestorer : IRestorer
{
    readonly ImageRestorer _restorer;
    readonly IDisposable? _owned;

    /// <param name="network">The network, its scale, channels, device and dtype.</param>
    /// <param name="procedure">Tiling and self-ensemble.</param>
    /// <param name="description">The network, for reports.</param>
    /// <param name="owned">Disposed with this restorer (e.g. the loaded model), or null.</param>
    public NetworkRestorer(RestorationNetwork network, TestProcedure procedure, string description, IDisposable? owned = null)
    {
        var tiling = procedure.Tiling == TilingMode.Official ? TilingPolicy.Official : TilingPolicy.Whole;
        _restorer = new ImageRestorer(network, tiling, procedure.SelfEnsemble);
        _owned = owned;
        Procedure = procedure;
        Description = $"{description}; {procedure}";
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public int Scale => _restorer.Network.Scale;

    /// <inheritdoc/>
    public int Channels => _restorer.Network.Channels;

    /// <summary>The test procedure applied.</summary>
    public TestProcedure Procedure { get; }

    /// <inheritdoc/>
    public RasterImage Restore(RasterImage input)
    {
        if (input.Channels != Channels)
            throw new ArgumentException($"expected a {Channels}-channel input, got {input.Channels} channel(s)");
        return _restorer.Restore(input);
    }

    /// <inheritdoc/>
    public void Dispose() => _owned?.Dispose();
}
