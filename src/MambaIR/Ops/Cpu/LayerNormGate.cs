using System.Numerics;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Ops.Cpu;

/// <summary>
/// SS2D's out_norm(y) ⊙ SiLU(z) in one pass per pixel for inference (no autograd), written over y: y, z (…, D) contiguous
/// channels-last CPU tensors, LayerNorm over the last dimension with weight γ, bias β and <c>eps</c> as <c>F.layer_norm</c>
/// (biased variance, two passes over the row). Replaces the three libtorch ops and their two temporaries.
/// </summary>
internal static unsafe class LayerNormGate
{
    /// <summary>y ← LayerNorm(y)·SiLU(z), in place.</summary>
    public static void Apply(Tensor y, Tensor z, Tensor gamma, Tensor beta, double eps, int maxVectorBits, int threads)
    {
        if (!y.is_contiguous() || !z.is_contiguous() || !y.shape.SequenceEqual(z.shape))
            throw new ArgumentException($"layer-norm gate: y {string.Join("x", y.shape)} and z {string.Join("x", z.shape)} must be contiguous and of one shape");
        using var g = gamma.contiguous();
        using var b = beta.contiguous();
        if (y.dtype == ScalarType.Float32) Run<float>(y, z, g, b, eps, maxVectorBits, threads);
        else Run<double>(y, z, g, b, eps, maxVectorBits, threads);
    }

    static void Run<T>(Tensor y, Tensor z, Tensor gamma, Tensor beta, double eps, int bits, int threads) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int channels = (int)y.shape[^1];
        long pixels = y.numel() / channels;
        var blocks = FusedSs2dKernel<T>.BlocksFor(channels, bits);
        // γ and β padded so that every block's vector loads stay inside them.
        int dp = blocks[^1].Start + blocks[^1].Lanes;
        using var gp = nn.functional.pad(gamma, new long[] { 0, dp - channels }).contiguous();
        using var bp = nn.functional.pad(beta, new long[] { 0, dp - channels }).contiguous();
        T* yp = TensorMemory.Pointer<T>(y), zp = TensorMemory.Pointer<T>(z), gptr = TensorMemory.Pointer<T>(gp), bptr = TensorMemory.Pointer<T>(bp);
        T epsT = T.CreateTruncating(eps), inverseCount = T.One / T.CreateTruncating(channels);
        const int PixelsPerItem = 256;
        int items = (int)((pixels + PixelsPerItem - 1) / PixelsPerItem);
        int maxLanes = blocks.Max(k => k.Lanes);
        CpuParallel.For<T>(items, threads, Workspace<T>.Size(maxLanes), (item, ws) =>
        {
            T* stage = ws.Take(maxLanes);
            for (long p = (long)item * PixelsPerItem, end = Math.Min(pixels, p + PixelsPerItem); p < end; p++)
            {
                T* row = yp + p * channels, zrow = zp + p * channels;
                T sum = T.Zero;
                foreach (var blk in blocks) sum += Dispatch<T>(blk).Sum(row, blk, stage);
                T mean = sum * inverseCount, squares = T.Zero;
                foreach (var blk in blocks) squares += Dispatch<T>(blk).SquaredDeviations(row, blk, mean, stage);
                T inv = T.One / T.Sqrt(squares * inverseCount + epsT);
                foreach (var blk in blocks) Dispatch<T>(blk).Gate(row, zrow, row, gptr, bptr, mean, inv, blk, stage);
            }
        });
    }

    /// <summary>The row operations for a block's vector width.</summary>
    static RowOps<T> Dispatch<T>(ChannelBlock blk) where T : unmanaged, IBinaryFloatingPointIeee754<T> => new(blk.Lanes * sizeof(T) * 8);

    readonly struct RowOps<T>(int bits) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public T Sum(T* row, ChannelBlock blk, T* stage) => bits switch
        {
            512 => ChannelRows<T, Vector512<T>, Simd512<T>>.Sum(row, blk, stage),
            256 => ChannelRows<T, Vector256<T>, Simd256<T>>.Sum(row, blk, stage),
            _ => ChannelRows<T, Vector128<T>, Simd128<T>>.Sum(row, blk, stage),
        };

        public T SquaredDeviations(T* row, ChannelBlock blk, T mean, T* stage) => bits switch
        {
            512 => ChannelRows<T, Vector512<T>, Simd512<T>>.SquaredDeviations(row, blk, mean, stage),
            256 => ChannelRows<T, Vector256<T>, Simd256<T>>.SquaredDeviations(row, blk, mean, stage),
            _ => ChannelRows<T, Vector128<T>, Simd128<T>>.SquaredDeviations(row, blk, mean, stage),
        };

        public void Gate(T* y, T* z, T* output, T* gamma, T* beta, T mean, T inv, ChannelBlock blk, T* stage)
        {
            switch (bits)
            {
                case 512: ChannelRows<T, Vector512<T>, Simd512<T>>.Gate(y, z, output, gamma, beta, mean, inv, blk, stage); break;
                case 256: ChannelRows<T, Vector256<T>, Simd256<T>>.Gate(y, z, output, gamma, beta, mean, inv, blk, stage); break;
                default: ChannelRows<T, Vector128<T>, Simd128<T>>.Gate(y, z, output, gamma, beta, mean, inv, blk, stage); break;
            }
        }
    }
}
