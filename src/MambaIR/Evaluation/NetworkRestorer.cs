using MambaIR.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Evaluation;

/// <summary>
/// A network run under a <see cref="TestProcedure"/>: whole image or the official tiling, optionally with the ×8
/// self-ensemble applied to each network call (each tile, under the official tiling). Inference runs under
/// <c>no_grad</c> on the given device; inputs and outputs are CPU tensors.
/// </summary>
public sealed class NetworkRestorer : IRestorer
{
    readonly Func<Tensor, Tensor> _network;
    readonly ITileStrategy _tiling;
    readonly Device _device;
    readonly IDisposable? _owned;

    /// <param name="network">The forward pass, (1, C, h, w) → (1, C, h·scale, w·scale), on <paramref name="device"/>.</param>
    /// <param name="scale">The network's scale (1 for denoising / CAR).</param>
    /// <param name="channels">The network's input/output channels.</param>
    /// <param name="procedure">Tiling and self-ensemble.</param>
    /// <param name="device">Where the network's parameters live.</param>
    /// <param name="description">The network, for reports.</param>
    /// <param name="owned">Disposed with this restorer (e.g. the module), or null.</param>
    public NetworkRestorer(Func<Tensor, Tensor> network, int scale, int channels, TestProcedure procedure, Device device,
        string description, IDisposable? owned = null)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be ≥ 1");
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 or 3");
        _network = procedure.SelfEnsemble ? SelfEnsemble.Wrap(network) : network;
        _tiling = procedure.Tiling == TilingMode.Official ? new OfficialTiling() : new WholeImage();
        _device = device;
        _owned = owned;
        Scale = scale;
        Channels = channels;
        Procedure = procedure;
        Description = $"{description}; {procedure}";
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public int Scale { get; }

    /// <inheritdoc/>
    public int Channels { get; }

    /// <summary>The test procedure applied.</summary>
    public TestProcedure Procedure { get; }

    /// <inheritdoc/>
    public Tensor Restore(Tensor input)
    {
        if (input.dim() != 4 || input.shape[0] != 1 || input.shape[1] != Channels)
            throw new ArgumentException($"expected a (1, {Channels}, h, w) input, got [{string.Join(", ", input.shape)}]");
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var output = _tiling.Run(input.to(ScalarType.Float32).to(_device), _network, Scale);
        return output.to(ScalarType.Float32).cpu().MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public void Dispose() => _owned?.Dispose();
}
