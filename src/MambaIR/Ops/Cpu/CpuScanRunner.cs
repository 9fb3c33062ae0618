using System.Numerics;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Ops.Cpu;

/// <summary>
/// The tensor side of the CPU kernel: makes contiguous, padded and transposed copies of the inputs, allocates the
/// outputs, hands raw pointers to <see cref="ScanKernel{T,TV,S}"/> for the chosen dtype and vector width, and reduces
/// the backward's partial sums.
/// </summary>
internal static class CpuScanRunner
{
    /// <summary>Steps between saved states: the backward recomputes one chunk of K states at a time.</summary>
    public const int ChunkLength = 64;

    /// <summary>Vector widths in bits that run in hardware here, widest first (128 always, emulated if need be).</summary>
    public static IReadOnlyList<int> HardwareVectorBits { get; } = new[]
    {
        Vector512.IsHardwareAccelerated ? 512 : 0, Vector256.IsHardwareAccelerated ? 256 : 0, 128,
    }.Where(b => b > 0).ToArray();

    /// <summary>
    /// The vector width for a state of <paramref name="stateSize"/>: the widest available one whose lane count does not exceed
    /// N rounded up to a power of two (N = 16 float: 512 bits; N = 10: 512; N = 5: 256; N = 1: 128), capped at <paramref name="maxBits"/>.
    /// </summary>
    public static int ChooseVectorBits(long stateSize, int elementBytes, int maxBits)
    {
        var widths = HardwareVectorBits.Where(b => b <= maxBits).DefaultIfEmpty(128).ToArray();
        long pow2 = (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, stateSize));
        foreach (int bits in widths)
            if (bits / 8 / elementBytes <= pow2) return bits;
        return widths[^1];
    }

    public sealed record ForwardResult(Tensor Output, Tensor? LastState, Tensor? Checkpoints);

    public sealed record Gradients(Tensor U, Tensor Delta, Tensor A, Tensor B, Tensor C, Tensor? D, Tensor? Z, Tensor? DeltaBias);

    /// <summary>Runs the forward. With <paramref name="keepCheckpoints"/>, also returns the (Bt, Dm, ⌈L/K⌉, Np) states the backward needs.</summary>
    public static ForwardResult Forward(SelectiveScanInputs x, int vectorBits, int threads, bool keepCheckpoints)
    {
        using var scope = NewDisposeScope();
        var prepared = new PreparedInputs(x, vectorBits);
        var output = empty(x.Batch, x.Channels, x.Length, dtype: x.U.dtype);
        var last = x.ReturnLastState ? empty(x.Batch, x.Channels, x.StateSize, dtype: x.U.dtype) : null;
        var checkpoints = keepCheckpoints ? empty(x.Batch, x.Channels, prepared.Chunks, prepared.PaddedState, dtype: x.U.dtype) : null;
        if (x.U.dtype == ScalarType.Float32) prepared.Forward<float>(output, last, checkpoints, threads);
        else prepared.Forward<double>(output, last, checkpoints, threads);
        return new ForwardResult(output.MoveToOuterDisposeScope(), last?.MoveToOuterDisposeScope(), checkpoints?.MoveToOuterDisposeScope());
    }

    /// <summary>Gradients of every input, given the forward's checkpoints (made with the same <paramref name="vectorBits"/>).</summary>
    public static Gradients Backward(SelectiveScanInputs x, Tensor checkpoints, Tensor gradOutput, Tensor? gradLastState, int vectorBits, int threads)
    {
        using var scope = NewDisposeScope();
        var prepared = new PreparedInputs(x, vectorBits);
        var dtype = x.U.dtype;
        long bt = x.Batch, dm = x.Channels, l = x.Length, n = x.StateSize, g = x.Groups, np = prepared.PaddedState;
        // Slices per (b, g): enough work items for the threads, each with its own dB/dC partial of (L, Np).
        int slices = (int)Math.Clamp((2L * threads + bt * g - 1) / (bt * g), 1, dm / g);
        var grads = new Gradients(
            U: empty(bt, dm, l, dtype: dtype), Delta: empty(bt, dm, l, dtype: dtype),
            A: empty(bt, dm, np, dtype: dtype),
            B: zeros(new[] { bt, g, slices, l, np }, dtype: dtype), C: zeros(new[] { bt, g, slices, l, np }, dtype: dtype),
            D: empty(bt, dm, dtype: dtype), Z: x.Z is null ? null : empty(bt, dm, l, dtype: dtype), DeltaBias: empty(bt, dm, dtype: dtype));
        var gOut = gradOutput.to_type(dtype).contiguous();
        var gLast = gradLastState?.to_type(dtype).contiguous();
        var ckpt = checkpoints.contiguous();
        if (dtype == ScalarType.Float32) prepared.Backward<float>(ckpt, gOut, gLast, grads, slices, threads);
        else prepared.Backward<double>(ckpt, gOut, gLast, grads, slices, threads);

        // Reduce the partials and undo the padding/transposition.
        Tensor BC(Tensor part, Tensor like) => part.sum(2).narrow(-1, 0, n).transpose(2, 3).reshape(like.shape).contiguous();
        return new Gradients(
            grads.U.MoveToOuterDisposeScope(), grads.Delta.MoveToOuterDisposeScope(),
            grads.A.sum(dim: 0).narrow(-1, 0, n).contiguous().MoveToOuterDisposeScope(),
            BC(grads.B, x.B).MoveToOuterDisposeScope(), BC(grads.C, x.C).MoveToOuterDisposeScope(),
            x.D is null ? null : grads.D!.sum(dim: 0).MoveToOuterDisposeScope(),
            grads.Z?.MoveToOuterDisposeScope(),
            x.DeltaBias is null ? null : grads.DeltaBias!.sum(dim: 0).MoveToOuterDisposeScope());
    }

    /// <summary>Contiguous copies of the inputs in the kernels' layout; lives in the caller's dispose scope.</summary>
    sealed class PreparedInputs
    {
        readonly SelectiveScanInputs _x;
        readonly Tensor _u, _delta, _a, _decayA, _b, _c;
        readonly Tensor? _z, _d, _bias;
        readonly int _bits;
        public int PaddedState { get; }
        public int Chunks => (int)((_x.Length + ChunkLength - 1) / ChunkLength);

        public PreparedInputs(SelectiveScanInputs x, int vectorBits)
        {
            _x = x;
            _bits = vectorBits;
            int lanes = vectorBits / 8 / (x.U.dtype == ScalarType.Float32 ? 4 : 8);
            long n = x.StateSize;
            PaddedState = (int)((n + lanes - 1) / lanes * lanes);
            long pad = PaddedState - n;
            Tensor Pad(Tensor t) => pad == 0 ? t.contiguous() : nn.functional.pad(t, new[] { 0L, pad }).contiguous();
            _u = x.U.contiguous();
            _delta = x.Delta.contiguous();
            _z = x.Z?.contiguous();
            _d = x.D?.contiguous();
            _bias = x.DeltaBias?.contiguous();
            _a = Pad(x.A);
            double scale = x.U.dtype == ScalarType.Float32 ? Simd128<float>.DecayScale : Simd128<double>.DecayScale;
            _decayA = scale == 1 ? _a : Pad((x.A.to_type(ScalarType.Float64) * scale).to_type(x.U.dtype));
            Tensor Grouped(Tensor t) => (t.dim() == 3 ? t.unsqueeze(1) : t).transpose(2, 3);
            _b = Pad(Grouped(x.B));
            _c = Pad(Grouped(x.C));
        }

        unsafe ScanProblem<T> Problem<T>() where T : unmanaged => new()
        {
            Batch = (int)_x.Batch, Channels = (int)_x.Channels, Length = (int)_x.Length, StateSize = (int)_x.StateSize,
            PaddedState = PaddedState, Groups = (int)_x.Groups, ChunkLength = ChunkLength, Softplus = _x.DeltaSoftplus,
            U = TensorMemory.Pointer<T>(_u), Delta = TensorMemory.Pointer<T>(_delta), Z = TensorMemory.Pointer<T>(_z),
            A = TensorMemory.Pointer<T>(_a), DecayA = TensorMemory.Pointer<T>(_decayA), B = TensorMemory.Pointer<T>(_b), C = TensorMemory.Pointer<T>(_c),
            D = TensorMemory.Pointer<T>(_d), DeltaBias = TensorMemory.Pointer<T>(_bias),
        };

        public unsafe void Forward<T>(Tensor output, Tensor? last, Tensor? checkpoints, int threads)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            var targets = new ScanForwardTargets<T>
            {
                Output = TensorMemory.Pointer<T>(output), LastState = TensorMemory.Pointer<T>(last),
                Checkpoints = TensorMemory.Pointer<T>(checkpoints),
            };
            var p = Problem<T>();
            switch (_bits)
            {
                case 512: ScanKernel<T, Vector512<T>, Simd512<T>>.Forward(p, targets, threads); break;
                case 256: ScanKernel<T, Vector256<T>, Simd256<T>>.Forward(p, targets, threads); break;
                default: ScanKernel<T, Vector128<T>, Simd128<T>>.Forward(p, targets, threads); break;
            }
        }

        public unsafe void Backward<T>(Tensor checkpoints, Tensor gradOut, Tensor? gradLast, Gradients g, int slices, int threads)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            var targets = new ScanBackwardTargets<T>
            {
                GradOutput = TensorMemory.Pointer<T>(gradOut), GradLastState = TensorMemory.Pointer<T>(gradLast),
                Checkpoints = TensorMemory.Pointer<T>(checkpoints), Slices = slices,
                GradU = TensorMemory.Pointer<T>(g.U), GradDelta = TensorMemory.Pointer<T>(g.Delta), GradZ = TensorMemory.Pointer<T>(g.Z),
                GradAPartial = TensorMemory.Pointer<T>(g.A), GradDPartial = TensorMemory.Pointer<T>(g.D),
                GradDeltaBiasPartial = TensorMemory.Pointer<T>(g.DeltaBias),
                GradBPartial = TensorMemory.Pointer<T>(g.B), GradCPartial = TensorMemory.Pointer<T>(g.C),
            };
            var p = Problem<T>();
            switch (_bits)
            {
                case 512: ScanKernel<T, Vector512<T>, Simd512<T>>.Backward(p, targets, threads); break;
                case 256: ScanKernel<T, Vector256<T>, Simd256<T>>.Backward(p, targets, threads); break;
                default: ScanKernel<T, Vector128<T>, Simd128<T>>.Backward(p, targets, threads); break;
            }
        }
    }
}
