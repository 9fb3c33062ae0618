using static TorchSharp.torch;

namespace MambaIR.Ops;

/// <summary>
/// A selective-scan backend that also runs an SS2D block's whole four-direction scan in one go (<see cref="FourWayScanInputs"/>):
/// it reads each direction's inputs by index arithmetic and sums the directions' outputs in raster order, so the network
/// never builds the (B, 4, D, L) copies. SS2D uses it when the chosen backend (<see cref="SelectiveScan.ChooseFourWays"/>)
/// has this form; otherwise it builds the four directions itself and calls <see cref="ISelectiveScan.Run"/>.
/// The result must support autograd with respect to every tensor input.
/// </summary>
public interface IFourWaySelectiveScan
{
    bool CanRunFourWays(FourWayScanInputs inputs);
    /// <summary>y (B, H, W, D_i): the four directions' scan outputs in raster order, summed.</summary>
    Tensor RunFourWays(FourWayScanInputs inputs);
}
