using static TorchSharp.torch;

namespace MambaIR.Models.V2;

/// <summary>
/// Between (B, H·W, C) tokens in raster order and (B, C, H, W) images without copies: the image is the tokens' memory
/// seen channels-last. (The official <c>x.transpose(1, 2).view(B, C, H, W)</c> has the same values; built that way a
/// batch of one gets a batch stride that libtorch does not recognise as channels-last, and its convolutions then take
/// a path several times slower.)
/// </summary>
internal static class TokenLayout
{
    /// <summary>(B, H·W, C) → (B, C, H, W), a channels-last view of the same memory (a copy only if the tokens are not contiguous).</summary>
    public static Tensor AsImage(Tensor tokens, long h, long w) => tokens.reshape(tokens.shape[0], h, w, tokens.shape[2]).permute(0, 3, 1, 2);

    /// <summary>(B, C, H, W) → (B, H·W, C): a view for channels-last images, a copy otherwise.</summary>
    public static Tensor AsTokens(Tensor image) => image.permute(0, 2, 3, 1).reshape(image.shape[0], -1, image.shape[1]);
}
