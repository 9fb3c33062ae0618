using static TorchSharp.torch;

namespace MambaIR.Ops;

/// <summary>
/// The parameters of one SS2D block (spec §1.5), as the fused path reads them: in_proj (2·D_i, C), the depthwise conv
/// (D_i, 1, 3, 3) and its bias (D_i), x_proj (4, R+2N, D_i), dt_proj weight (4, D_i, R) and bias (4, D_i), A_logs (4·D_i, N),
/// Ds (4·D_i), out_norm's weight, bias (D_i) and epsilon, out_proj (C, D_i).
/// </summary>
public sealed record Ss2dWeights(
    Tensor InProj, Tensor ConvWeight, Tensor ConvBias, Tensor XProj, Tensor DtProjWeight, Tensor DtProjBias, Tensor ALogs, Tensor Ds,
    Tensor OutNormWeight, Tensor OutNormBias, double OutNormEps, Tensor OutProj)
{
    public long Channels => ConvWeight.shape[0];

    public IEnumerable<Tensor> Tensors => new[] { InProj, ConvWeight, ConvBias, XProj, DtProjWeight, DtProjBias, ALogs, Ds, OutNormWeight, OutNormBias, OutProj };
}
