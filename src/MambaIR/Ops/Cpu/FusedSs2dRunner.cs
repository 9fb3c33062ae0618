using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Ops.Cpu;

/// <summary>
/// The tensor side of the fused SS2D scan: x_proj as two matmuls over all pixels (a pixel's projection does not depend on the
/// scan order), laid out so that every direction reads its steps' dts, B and C as contiguous runs: the row-major directions'
/// outputs (2·(R+2N), B·L) in raster order, the column-major directions' outputs transposed to column-major pixel order;
/// the per-channel weights transposed and padded for the kernel; the outputs allocated, and the backward's partial sums
/// reduced. See <see cref="FusedSs2dKernel{T}"/> for the kernel.
/// </summary>
internal static class FusedSs2dRunner
{
    /// <summary>Steps between saved states; the forward's tile.</summary>
    public const int ChunkLength = 64;

    public sealed record ForwardResult(Tensor Y, Tensor? Checkpoints);

    public sealed record Gradients(Tensor X, Tensor ProjRow, Tensor ProjCol, Tensor DtWeight, Tensor DtBias, Tensor A, Tensor D);

    /// <summary>The whole four-way scan: y (B, H, W, D_i). Differentiable (through <see cref="FusedSs2dFunction"/>) when grad mode is on.</summary>
    public static Tensor Run(FourWayScanInputs inputs, int maxVectorBits, int threads)
    {
        inputs.Validate();
        using var scope = NewDisposeScope();
        long b = inputs.Batch, l = inputs.Height * inputs.Width, d = inputs.Channels;
        var x = inputs.X.contiguous();
        var pixels = x.view(b * l, d).t();
        var w = inputs.XProjWeight;
        Tensor RowMajor() => matmul(cat(new[] { w[0], w[2] }, 0), pixels);                        // (2·(R+2N), B·L)
        Tensor ColumnMajor()
        {
            return matmul(cat(new[] { w[1], w[3] }, 0), pixels);
        }
        var a = -exp(inputs.ALogs);
        if (is_grad_enabled() && inputs.Tensors.Any(t => t.requires_grad))
            return FusedSs2dFunction.apply(x, RowMajor(), ColumnMajor(), inputs.DtProjWeight, inputs.DtProjBias, a, inputs.Ds, maxVectorBits)[0]
                .MoveToOuterDisposeScope();
        // Inference: the row-major pair of directions, then the column-major pair, so that only one pair's x_proj outputs
        // exist at a time.
        var y = empty(x.shape, dtype: x.dtype);
        using (var projRow = RowMajor())
            ForwardInto(y, x, projRow, null, inputs.DtProjWeight, inputs.DtProjBias, a, inputs.Ds, maxVectorBits, threads, 0b0101, accumulate: false);
        using (var projCol = ColumnMajor())
            ForwardInto(y, x, null, projCol, inputs.DtProjWeight, inputs.DtProjBias, a, inputs.Ds, maxVectorBits, threads, 0b1010, accumulate: true);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The forward on prepared tensors: x (B, H, W, D_i) contiguous, the x_proj outputs of the row-major and column-major
    /// directions (2·(R+2N), B·L) each, dt weight (4, D_i, R), dt bias (4, D_i),
    /// A (4·D_i, N), D (4·D_i). With <paramref name="keepCheckpoints"/>, also the states the backward starts its chunks from.
    /// </summary>
    public static ForwardResult Forward(Tensor x, Tensor projRow, Tensor projCol, Tensor dtWeight, Tensor dtBias, Tensor a, Tensor d, int maxVectorBits, int threads, bool keepCheckpoints)
    {
        using var scope = NewDisposeScope();
        var prepared = new Prepared(x, projRow, projCol, dtWeight, dtBias, a, d, maxVectorBits);
        var y = empty(x.shape, dtype: x.dtype);
        var checkpoints = keepCheckpoints
            ? empty(new long[] { x.shape[0], FusedSs2dProblem<float>.Directions, prepared.Chunks, prepared.StateSize, prepared.PaddedChannels }, dtype: x.dtype)
            : null;
        if (x.dtype == ScalarType.Float32) prepared.Forward<float>(y, checkpoints, threads);
        else prepared.Forward<double>(y, checkpoints, threads);
        return new ForwardResult(y.MoveToOuterDisposeScope(), checkpoints?.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The forward of the directions in <paramref name="directions"/> (bit k: direction k) into <paramref name="y"/>, added to
    /// it when <paramref name="accumulate"/>; the x_proj layout of a pair not run may be null.
    /// </summary>
    public static void ForwardInto(Tensor y, Tensor x, Tensor? projRow, Tensor? projCol, Tensor dtWeight, Tensor dtBias, Tensor a, Tensor d,
        int maxVectorBits, int threads, int directions, bool accumulate)
    {
        using var scope = NewDisposeScope();
        var prepared = new Prepared(x, projRow, projCol, dtWeight, dtBias, a, d, maxVectorBits);
        if (x.dtype == ScalarType.Float32) prepared.Forward<float>(y, null, threads, directions, accumulate);
        else prepared.Forward<double>(y, null, threads, directions, accumulate);
    }

    /// <summary>Gradients of x, both x_proj layouts, dt weight, dt bias, A and D given dL/dy, from the forward's checkpoints.</summary>
    public static Gradients Backward(Tensor x, Tensor projRow, Tensor projCol, Tensor dtWeight, Tensor dtBias, Tensor a, Tensor d, Tensor checkpoints, Tensor gradY,
        int maxVectorBits, int threads)
    {
        using var scope = NewDisposeScope();
        var prepared = new Prepared(x, projRow, projCol, dtWeight, dtBias, a, d, maxVectorBits);
        var dtype = x.dtype;
        long bt = x.shape[0], l = x.shape[1] * x.shape[2], di = x.shape[3], n = prepared.StateSize, r = prepared.Rank, dp = prepared.PaddedChannels;
        const int K = FusedSs2dProblem<float>.Directions;
        int groups = prepared.BackwardGroups(threads);
        var gradX = empty(x.shape, dtype: dtype);
        var gradProjRowPartial = empty(new[] { groups, projRow.shape[0], bt * l }, dtype: dtype);
        var gradProjColPartial = empty(new[] { groups, projCol.shape[0], bt * l }, dtype: dtype);
        var gradDtWeight = zeros(new[] { bt, K, r, dp }, dtype: dtype);
        var gradDtBias = zeros(new[] { bt, K, dp }, dtype: dtype);
        var gradA = zeros(new[] { bt, K, n, dp }, dtype: dtype);
        var gradD = zeros(new[] { bt, K, dp }, dtype: dtype);
        var gy = gradY.to_type(dtype).contiguous();
        var ckpt = checkpoints.contiguous();
        var targets = new Tensor[] { gy, ckpt, gradX, gradProjRowPartial, gradProjColPartial, gradDtWeight, gradDtBias, gradA, gradD };
        if (dtype == ScalarType.Float32) prepared.Backward<float>(targets, groups, threads);
        else prepared.Backward<double>(targets, groups, threads);

        // Partials: x_proj's gradient summed over the work items; per-channel gradients over the batch, padding dropped, untransposed.
        Tensor PerChannel(Tensor t) => t.sum(dim: 0).narrow(-1, 0, di);
        return new Gradients(
            gradX.MoveToOuterDisposeScope(),
            gradProjRowPartial.sum(dim: 0).MoveToOuterDisposeScope(),
            gradProjColPartial.sum(dim: 0).MoveToOuterDisposeScope(),
            PerChannel(gradDtWeight).transpose(1, 2).contiguous().MoveToOuterDisposeScope(),
            PerChannel(gradDtBias).contiguous().MoveToOuterDisposeScope(),
            PerChannel(gradA).transpose(1, 2).reshape(K * di, n).MoveToOuterDisposeScope(),
            PerChannel(gradD).reshape(K * di).MoveToOuterDisposeScope());
    }

    /// <summary>The kernel's layout of the inputs; lives in the caller's dispose scope.</summary>
    sealed class Prepared
    {
        readonly Tensor? _projRow, _projCol;
        readonly Tensor _x, _dtWeight, _dtBias, _a, _decayA, _d;
        readonly int _batch, _height, _width, _channels, _bits;
        public int StateSize { get; }
        public int Rank { get; }
        public int PaddedChannels { get; }
        public int Chunks => (_height * _width + ChunkLength - 1) / ChunkLength;

        public Prepared(Tensor x, Tensor? projRow, Tensor? projCol, Tensor dtWeight, Tensor dtBias, Tensor a, Tensor d, int maxVectorBits)
        {
            _batch = (int)x.shape[0]; _height = (int)x.shape[1]; _width = (int)x.shape[2]; _channels = (int)x.shape[3];
            StateSize = (int)a.shape[1];
            Rank = (int)dtWeight.shape[2];
            _bits = maxVectorBits;
            int smallest = 128 / 8 / (x.dtype == ScalarType.Float32 ? 4 : 8);
            PaddedChannels = (_channels + smallest - 1) / smallest * smallest;
            const int K = FusedSs2dProblem<float>.Directions;
            long pad = PaddedChannels - _channels;
            // (…, D_i) → (…, Dp), zeros in the padding.
            Tensor Pad(Tensor t) => (pad == 0 ? t : nn.functional.pad(t, new[] { 0L, pad })).contiguous();
            _x = x.contiguous();
            _projRow = projRow?.contiguous();
            _projCol = projCol?.contiguous();
            _dtWeight = Pad(dtWeight.transpose(1, 2));                                  // (4, R, Dp)
            _dtBias = Pad(dtBias);                                                       // (4, Dp)
            var at = a.view(K, _channels, StateSize).transpose(1, 2);                    // (4, N, D_i)
            _a = Pad(at);
            double scale = x.dtype == ScalarType.Float32 ? Simd128<float>.DecayScale : Simd128<double>.DecayScale;
            _decayA = scale == 1 ? _a : Pad((at.to_type(ScalarType.Float64) * scale).to_type(x.dtype));
            _d = Pad(d.view(K, _channels));                                              // (4, Dp)
        }

        public int BackwardGroups(int threads) => Math.Clamp((2 * threads + _batch - 1) / _batch, 1, BlocksCount);

        int BlocksCount => _x.dtype == ScalarType.Float32 ? FusedSs2dKernel<float>.BlocksFor(_channels, _bits).Length : FusedSs2dKernel<double>.BlocksFor(_channels, _bits).Length;

        unsafe FusedSs2dProblem<T> Problem<T>() where T : unmanaged, IBinaryFloatingPointIeee754<T> => new()
        {
            Batch = _batch, Height = _height, Width = _width, Channels = _channels, PaddedChannels = PaddedChannels,
            StateSize = StateSize, Rank = Rank, ChunkLength = ChunkLength, Blocks = FusedSs2dKernel<T>.BlocksFor(_channels, _bits),
            X = TensorMemory.Pointer<T>(_x), ProjRow = TensorMemory.Pointer<T>(_projRow), ProjCol = TensorMemory.Pointer<T>(_projCol),
            DtWeight = TensorMemory.Pointer<T>(_dtWeight), DtBias = TensorMemory.Pointer<T>(_dtBias),
            A = TensorMemory.Pointer<T>(_a), DecayA = TensorMemory.Pointer<T>(_decayA), D = TensorMemory.Pointer<T>(_d),
        };

        public unsafe void Forward<T>(Tensor y, Tensor? checkpoints, int threads, int directions = FusedSs2dKernel<float>.AllDirections, bool accumulate = false)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
            FusedSs2dKernel<T>.Forward(Problem<T>(), TensorMemory.Pointer<T>(y), TensorMemory.Pointer<T>(checkpoints), threads, directions, accumulate);

        /// <param name="t">dL/dy, checkpoints, dx, the two x_proj gradient partials, d(dt weight), d(dt bias), dA, dD.</param>
        public unsafe void Backward<T>(Tensor[] t, int groups, int threads) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            var targets = new FusedSs2dBackwardTargets<T>
            {
                GradY = TensorMemory.Pointer<T>(t[0]), Checkpoints = TensorMemory.Pointer<T>(t[1]), GradX = TensorMemory.Pointer<T>(t[2]),
                GradProjRowPartial = TensorMemory.Pointer<T>(t[3]), GradProjColPartial = TensorMemory.Pointer<T>(t[4]), Groups = groups,
                GradDtWeight = TensorMemory.Pointer<T>(t[5]), GradDtBias = TensorMemory.Pointer<T>(t[6]),
                GradA = TensorMemory.Pointer<T>(t[7]), GradD = TensorMemory.Pointer<T>(t[8]),
            };
            FusedSs2dKernel<T>.Backward(Problem<T>(), targets, threads);
        }
    }
}
