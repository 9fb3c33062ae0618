using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Ops;

/// <summary>
/// Arguments of the selective scan, with the exact semantics of mamba_ssm's <c>selective_scan_fn</c> (v1.0.1):
/// <code>
/// δ = delta + delta_bias;  δ = softplus(δ) if DeltaSoftplus (threshold 20: δ > 20 stays δ)
/// h[b,d,:] = 0;  for l: h[b,d,n] = exp(δ[b,d,l]·A[d,n])·h[b,d,n] + δ[b,d,l]·B[b,g(d),n,l]·u[b,d,l]
///                        y[b,d,l] = Σ_n h[b,d,n]·C[b,g(d),n,l]
/// out = y + D[d]·u;  out = out·SiLU(z) if z is given;  g(d) = ⌊d / (Dm/G)⌋
/// </code>
/// Shapes: u, delta, z: (Bt, Dm, L); A: (Dm, N); B, C: (Bt, N, L) or grouped (Bt, G, N, L); D, delta_bias: (Dm).
/// </summary>
public sealed record SelectiveScanInputs(
    Tensor U, Tensor Delta, Tensor A, Tensor B, Tensor C,
    Tensor? D = null, Tensor? Z = null, Tensor? DeltaBias = null,
    bool DeltaSoftplus = false, bool ReturnLastState = false)
{
    public long Batch => U.shape[0];
    public long Channels => U.shape[1];
    public long Length => U.shape[2];
    public long StateSize => A.shape[1];
    /// <summary>Number of B/C groups (1 for 3-D B/C).</summary>
    public long Groups => B.dim() == 4 ? B.shape[1] : 1;

    /// <summary>δ as the scan uses it, in tensor ops: delta + delta_bias, then softplus (threshold 20) when asked for.</summary>
    public Tensor EffectiveDelta()
    {
        Tensor delta = Delta;
        if (DeltaBias is not null) delta = ScalarOne.Add(delta, DeltaBias.unsqueeze(-1));
        return DeltaSoftplus ? nn.functional.softplus(delta, beta: 1, threshold: 20) : delta;
    }

    /// <summary>B or C as (Bt, Dm, N, L) in tensor ops: channel d gets its group's ⌊d / (Dm/G)⌋ row.</summary>
    public Tensor PerChannel(Tensor bOrC) => (bOrC.dim() == 3 ? bOrC.unsqueeze(1) : bOrC).repeat_interleave(Channels / Groups, dim: 1);

    /// <summary>Throws <see cref="ArgumentException"/> naming the argument whose shape or dtype is wrong.</summary>
    public void Validate()
    {
        static string S(Tensor t) => "(" + string.Join(", ", t.shape) + ")";
        if (U.dim() != 3) throw new ArgumentException($"selective scan: u must be (batch, channels, length), got {S(U)}");
        long bt = Batch, dm = Channels, l = Length;
        if (!Delta.shape.SequenceEqual(U.shape)) throw new ArgumentException($"selective scan: delta {S(Delta)} must match u {S(U)}");
        if (A.dim() != 2 || A.shape[0] != dm) throw new ArgumentException($"selective scan: A must be ({dm}, N), got {S(A)}");
        long n = A.shape[1];
        foreach (var (name, t) in new[] { ("B", B), ("C", C) })
        {
            bool ok = t.dim() == 3 ? t.shape[0] == bt && t.shape[1] == n && t.shape[2] == l
                    : t.dim() == 4 && t.shape[0] == bt && t.shape[2] == n && t.shape[3] == l && t.shape[1] > 0 && dm % t.shape[1] == 0;
            if (!ok) throw new ArgumentException($"selective scan: {name} must be ({bt}, {n}, {l}) or ({bt}, G, {n}, {l}) with G dividing {dm}, got {S(t)}");
        }
        if (B.dim() != C.dim() || (B.dim() == 4 && B.shape[1] != C.shape[1])) throw new ArgumentException($"selective scan: B {S(B)} and C {S(C)} must have the same grouping");
        if (D is not null && (D.dim() != 1 || D.shape[0] != dm)) throw new ArgumentException($"selective scan: D must be ({dm}), got {S(D)}");
        if (DeltaBias is not null && (DeltaBias.dim() != 1 || DeltaBias.shape[0] != dm)) throw new ArgumentException($"selective scan: delta_bias must be ({dm}), got {S(DeltaBias)}");
        if (Z is not null && !Z.shape.SequenceEqual(U.shape)) throw new ArgumentException($"selective scan: z {S(Z)} must match u {S(U)}");
        foreach (var (name, t) in new[] { ("delta", Delta), ("A", A), ("B", B), ("C", C), ("D", D), ("z", Z), ("delta_bias", DeltaBias) })
            if (t is not null && t.dtype != U.dtype) throw new ArgumentException($"selective scan: {name} is {t.dtype} but u is {U.dtype}; pass one floating dtype");
    }
}

/// <summary>Output of the scan: (Bt, Dm, L), and the final state (Bt, Dm, N) when asked for.</summary>
public sealed record SelectiveScanResult(Tensor Output, Tensor? LastState);
