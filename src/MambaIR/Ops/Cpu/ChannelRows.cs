using System.Numerics;
using System.Runtime.CompilerServices;

namespace MambaIR.Ops.Cpu;

/// <summary>
/// Per-pixel channel-row loops of the SS2D block's inference kernels (<see cref="DepthwiseConvSilu"/>, <see cref="LayerNormGate"/>)
/// for one vector width: one <see cref="ChannelBlock"/> of a channels-last row at a time.
/// </summary>
internal static unsafe class ChannelRows<T, TV, S>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TV : struct
    where S : struct, ISimd<TV, T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TV Load(T* p, ChannelBlock blk, T* stage)
    {
        if (blk.Count == S.Lanes) return S.Load(p);
        for (int i = 0; i < S.Lanes; i++) stage[i] = i < blk.Count ? p[i] : T.Zero;
        return S.Load(stage);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(T* p, TV v, ChannelBlock blk, T* stage)
    {
        if (blk.Count == S.Lanes) { S.Store(p, v); return; }
        S.Store(stage, v);
        for (int i = 0; i < blk.Count; i++) p[i] = stage[i];
    }

    /// <summary>
    /// One output row (a fixed image row h of batch element b) of the 3×3 depthwise conv (zero padding 1) plus bias, then SiLU,
    /// for the channels of <paramref name="blk"/>: <paramref name="w"/> holds the weights transposed, (9, Dp), tap (dy+1)·3 + dx+1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ConvRow(T* input, T* output, T* w, T* bias, int height, int width, int channels, int dp, int h, ChannelBlock blk, T* stage)
    {
        int c = blk.Start;
        TV b = S.Load(bias + c);
        TV w0 = S.Load(w + c), w1 = S.Load(w + dp + c), w2 = S.Load(w + 2 * dp + c), w3 = S.Load(w + 3 * dp + c), w4 = S.Load(w + 4 * dp + c),
           w5 = S.Load(w + 5 * dp + c), w6 = S.Load(w + 6 * dp + c), w7 = S.Load(w + 7 * dp + c), w8 = S.Load(w + 8 * dp + c);
        long rowStride = (long)width * channels;
        T* mid = input + h * rowStride + c;
        T* up = h > 0 ? mid - rowStride : null, down = h + 1 < height ? mid + rowStride : null;
        T* outRow = output + h * rowStride + c;
        for (int x = 0; x < width; x++)
        {
            long o = (long)x * channels;
            bool left = x > 0, right = x + 1 < width;
            TV acc = S.MulAdd(w4, Load(mid + o, blk, stage), b);
            if (left) acc = S.MulAdd(w3, Load(mid + o - channels, blk, stage), acc);
            if (right) acc = S.MulAdd(w5, Load(mid + o + channels, blk, stage), acc);
            if (up != null)
            {
                acc = S.MulAdd(w1, Load(up + o, blk, stage), acc);
                if (left) acc = S.MulAdd(w0, Load(up + o - channels, blk, stage), acc);
                if (right) acc = S.MulAdd(w2, Load(up + o + channels, blk, stage), acc);
            }
            if (down != null)
            {
                acc = S.MulAdd(w7, Load(down + o, blk, stage), acc);
                if (left) acc = S.MulAdd(w6, Load(down + o - channels, blk, stage), acc);
                if (right) acc = S.MulAdd(w8, Load(down + o + channels, blk, stage), acc);
            }
            Store(outRow + o, S.Mul(acc, VectorMath.Sigmoid<TV, T, S>(acc)), blk, stage);
        }
    }

    /// <summary>Σ of the block's channels of one pixel's row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(T* row, ChannelBlock blk, T* stage) => S.Sum(Load(row + blk.Start, blk, stage));

    /// <summary>Σ (row − mean)² over the block's channels of one pixel's row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SquaredDeviations(T* row, ChannelBlock blk, T mean, T* stage)
    {
        TV d = S.Sub(Load(row + blk.Start, blk, stage), S.Splat(mean));
        if (blk.Count < S.Lanes)
        {
            S.Store(stage, d);
            for (int i = blk.Count; i < S.Lanes; i++) stage[i] = T.Zero;
            d = S.Load(stage);
        }
        return S.Sum(S.Mul(d, d));
    }

    /// <summary>out = ((y − mean)·inv·γ + β)·SiLU(z) for the block's channels of one pixel (in place when out is y).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Gate(T* y, T* z, T* output, T* gamma, T* beta, T mean, T inv, ChannelBlock blk, T* stage)
    {
        int c = blk.Start;
        TV n = S.Mul(S.Sub(Load(y + c, blk, stage), S.Splat(mean)), S.Splat(inv));
        TV zv = Load(z + c, blk, stage);
        TV v = S.Mul(S.MulAdd(n, S.Load(gamma + c), S.Load(beta + c)), S.Mul(zv, VectorMath.Sigmoid<TV, T, S>(zv)));
        Store(output + c, v, blk, stage);
    }
}
