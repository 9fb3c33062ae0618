using static TorchSharp.torch;

namespace MambaIR.Ops;

/// <summary>
/// The four-direction scan of an SS2D block (official <c>SS2D.forward_core</c> with <c>selective_scan_fn</c>), given the
/// block's features after the depthwise conv and SiLU, in raster order:
/// <code>
/// for k = 0..3 (row-major, column-major, and both reversed; step l of direction k reads pixel P_k(l)):
///   x_dbl = x_proj_weight[k] · x[P_k(l)]  →  dts (R), B_k (N), C_k (N)
///   delta = dt_projs_weight[k] · dts;  A = −exp(A_logs[k·D_i …]);  D = Ds[k·D_i …];  delta_bias = dt_projs_bias[k]
///   out_k = selective_scan(u = x[P_k(·)], delta, A, B_k, C_k, D, delta_bias, softplus)
/// y[p] = Σ_k out_k[P_k⁻¹(p)]
/// </code>
/// Shapes: X (B, H, W, D_i); XProjWeight (4, R + 2N, D_i); DtProjWeight (4, D_i, R); DtProjBias (4, D_i);
/// ALogs (4·D_i, N); Ds (4·D_i). The result is y, (B, H, W, D_i).
/// </summary>
public sealed record FourWayScanInputs(Tensor X, Tensor XProjWeight, Tensor DtProjWeight, Tensor DtProjBias, Tensor ALogs, Tensor Ds)
{
    public const int Directions = 4;

    public long Batch => X.shape[0];
    public long Height => X.shape[1];
    public long Width => X.shape[2];
    public long Channels => X.shape[3];
    public long StateSize => ALogs.shape[1];
    public long Rank => DtProjWeight.shape[2];

    /// <summary>The tensors, in the order of the record.</summary>
    public IEnumerable<Tensor> Tensors => new[] { X, XProjWeight, DtProjWeight, DtProjBias, ALogs, Ds };

    /// <summary>Throws <see cref="ArgumentException"/> naming the argument whose shape or dtype is wrong.</summary>
    public void Validate()
    {
        static string S(Tensor t) => "(" + string.Join(", ", t.shape) + ")";
        if (X.dim() != 4) throw new ArgumentException($"four-way scan: x must be (batch, height, width, channels), got {S(X)}");
        long d = Channels, k = Directions;
        if (ALogs.dim() != 2 || ALogs.shape[0] != k * d) throw new ArgumentException($"four-way scan: A_logs must be ({k * d}, N), got {S(ALogs)}");
        long n = StateSize;
        if (DtProjWeight.dim() != 3 || DtProjWeight.shape[0] != k || DtProjWeight.shape[1] != d)
            throw new ArgumentException($"four-way scan: dt_projs_weight must be ({k}, {d}, R), got {S(DtProjWeight)}");
        long r = Rank;
        if (!XProjWeight.shape.SequenceEqual(new[] { k, r + 2 * n, d })) throw new ArgumentException($"four-way scan: x_proj_weight must be ({k}, {r + 2 * n}, {d}), got {S(XProjWeight)}");
        if (!DtProjBias.shape.SequenceEqual(new[] { k, d })) throw new ArgumentException($"four-way scan: dt_projs_bias must be ({k}, {d}), got {S(DtProjBias)}");
        if (!Ds.shape.SequenceEqual(new[] { k * d })) throw new ArgumentException($"four-way scan: Ds must be ({k * d}), got {S(Ds)}");
        foreach (var t in Tensors)
            if (t.dtype != X.dtype || t.device_type != X.device_type || t.device_index != X.device_index)
                throw new ArgumentException($"four-way scan: every tensor must be {X.dtype} on {X.device} like x; got {t.dtype} on {t.device}");
    }
}
