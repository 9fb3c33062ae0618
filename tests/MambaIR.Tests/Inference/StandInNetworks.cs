using static TorchSharp.torch;

namespace MambaIR.Tests.Inference;

/// <summary>Networks without spatial context (so tiling must not change their output) for testing the tiling and ensemble machinery.</summary>
static class StandInNetworks
{
    /// <summary>x → 2x + 0.1 per pixel.</summary>
    public static Tensor Affine(Tensor x) => x.mul(2).add(0.1);

    /// <summary>A pointwise map followed by a nearest-neighbour ×<paramref name="scale"/> "upsampler".</summary>
    public static Func<Tensor, Tensor> NearestUpsampler(int scale) =>
        x => x.mul(2).add(0.1).repeat_interleave(scale, 2).repeat_interleave(scale, 3);

    /// <summary>A random (N, C, H, W) image in [0, 1) of the given dtype, from a fixed seed.</summary>
    public static Tensor RandomImage(long n, long c, long h, long w, ScalarType dtype = ScalarType.Float32, long seed = 1)
    {
        using var g = new TorchSharp.torch.Generator((ulong)seed);
        return rand(new[] { n, c, h, w }, dtype: dtype, generator: g);
    }

    /// <summary>Same shape and bit-identical values.</summary>
    public static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
