using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>
/// The token LayerNorm applied after conv_first (official <c>PatchEmbed</c> with patch size 1; key <c>patch_embed.norm</c>).
/// Works on (B, H, W, C) features; without <c>patch_norm</c> it is the identity and has no keys.
/// </summary>
public sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm? norm;

    public PatchEmbed(long embedDim, bool withNorm) : base(nameof(PatchEmbed))
    {
        if (withNorm) norm = nn.LayerNorm(embedDim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => norm is null ? x : norm.forward(x);
}
