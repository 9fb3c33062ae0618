using System.Numerics;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Ops.Cpu;

/// <summary>
/// SS2D's depthwise 3×3 convolution (padding 1, bias) followed by SiLU, for inference (no autograd), on channels-last
/// memory: x (B, H, W, D) contiguous → (B, H, W, D). One pass instead of libtorch's conv and SiLU; vectorised over channels,
/// parallel over image rows.
/// </summary>
internal static unsafe class DepthwiseConvSilu
{
    public static Tensor Apply(Tensor x, Tensor weight, Tensor bias, int maxVectorBits, int threads)
    {
        if (x.dim() != 4 || !x.is_contiguous()) throw new ArgumentException($"depthwise conv: x must be a contiguous (B, H, W, D) tensor, got {string.Join("x", x.shape)}");
        var output = empty(x.shape, dtype: x.dtype);
        if (x.dtype == ScalarType.Float32) Run<float>(x, weight, bias, output, maxVectorBits, threads);
        else Run<double>(x, weight, bias, output, maxVectorBits, threads);
        return output;
    }

    static void Run<T>(Tensor x, Tensor weight, Tensor bias, Tensor output, int bits, int threads) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int batch = (int)x.shape[0], height = (int)x.shape[1], width = (int)x.shape[2], channels = (int)x.shape[3];
        var blocks = FusedSs2dKernel<T>.BlocksFor(channels, bits);
        int dp = blocks[^1].Start + blocks[^1].Lanes;
        // (D, 1, 3, 3) → (9, Dp): one contiguous vector of channels per tap.
        using var w = nn.functional.pad(weight.reshape(channels, 9).t(), new long[] { 0, dp - channels }).contiguous();
        using var b = nn.functional.pad(bias, new long[] { 0, dp - channels }).contiguous();
        T* xp = TensorMemory.Pointer<T>(x), op = TensorMemory.Pointer<T>(output), wp = TensorMemory.Pointer<T>(w), bp = TensorMemory.Pointer<T>(b);
        int maxLanes = blocks.Max(k => k.Lanes);
        long image = (long)height * width * channels;
        CpuParallel.For<T>(batch * height, threads, Workspace<T>.Size(maxLanes), (item, ws) =>
        {
            T* stage = ws.Take(maxLanes);
            int n = item / height, h = item % height;
            T* input = xp + n * image, outImage = op + n * image;
            foreach (var blk in blocks)
                switch (blk.Lanes * sizeof(T) * 8)
                {
                    case 512: ChannelRows<T, Vector512<T>, Simd512<T>>.ConvRow(input, outImage, wp, bp, height, width, channels, dp, h, blk, stage); break;
                    case 256: ChannelRows<T, Vector256<T>, Simd256<T>>.ConvRow(input, outImage, wp, bp, height, width, channels, dp, h, blk, stage); break;
                    default: ChannelRows<T, Vector128<T>, Simd128<T>>.ConvRow(input, outImage, wp, bp, height, width, channels, dp, h, blk, stage); break;
                }
        });
    }
}
