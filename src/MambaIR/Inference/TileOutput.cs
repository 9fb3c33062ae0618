using static TorchSharp.torch;

namespace MambaIR.Inference;

/// <summary>Runs the network on one piece and checks that the output has the size the scale factor promises.</summary>
static class TileOutput
{
    /// <summary>Calls <paramref name="network"/> on <paramref name="tile"/> (N, C, h, w) and verifies the result is (N, C', h·scale, w·scale).</summary>
    public static Tensor Compute(Func<Tensor, Tensor> network, Tensor tile, int scale)
    {
        var output = network(tile);
        long n = tile.shape[0], h = tile.shape[2], w = tile.shape[3];
        if (output.dim() != 4 || output.shape[0] != n || output.shape[2] != h * scale || output.shape[3] != w * scale)
        {
            string got = "(" + string.Join(", ", output.shape) + ")";
            output.Dispose();
            throw new InvalidOperationException(
                $"the network returned {got} for a ({n}, {tile.shape[1]}, {h}, {w}) input; expected ({n}, C, {h * scale}, {w * scale}) for scale {scale}. " +
                "Check that the checkpoint's upscale factor matches the model configuration.");
        }
        return output;
    }

    /// <summary>Throws a clear error for an input that is not (N, C, H, W) or a scale below 1.</summary>
    public static void ValidateInput(Tensor input, int scale)
    {
        if (input.dim() != 4) throw new ArgumentException($"expected an (N, C, H, W) image tensor, got {input.dim()} dimensions");
        if (input.shape[2] < 1 || input.shape[3] < 1) throw new ArgumentException($"empty image ({input.shape[2]}×{input.shape[3]})");
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be at least 1");
    }
}
