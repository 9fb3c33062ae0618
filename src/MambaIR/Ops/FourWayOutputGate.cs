using static TorchSharp.torch;

namespace MambaIR.Ops;

/// <summary>
/// SS2D's epilogue after the four-direction scan (official <c>forward_core</c>'s caller): y = out_norm(y) · SiLU(z), with
/// out_norm a LayerNorm over the channels (<paramref name="NormWeight"/>, <paramref name="NormBias"/>, <paramref name="Eps"/>)
/// and z (B, H, W, D_i) the second half of in_proj's output (a strided view is fine). A backend that runs the scan in one
/// kernel can apply it in the same pass over y (<see cref="CudaSelectiveScan.RunFourWays(FourWayScanInputs, FourWayOutputGate?)"/>).
/// </summary>
public sealed record FourWayOutputGate(Tensor Z, Tensor NormWeight, Tensor NormBias, double Eps);
