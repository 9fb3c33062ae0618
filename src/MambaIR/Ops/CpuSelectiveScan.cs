using MambaIR.Ops.Cpu;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Ops;

/// <summary>
/// The selective scan as a hand-written CPU kernel (float32 and float64): sequential over the sequence, parallel over
/// (batch, channel) rows on <c>torch.get_num_threads()</c> threads, vectorised over the state with the widest SIMD the
/// CPU has (AVX-512, AVX2 or 128-bit; N is padded to the vector width with A = B = C = 0). Each row streams over L
/// keeping only its (N) state in a register; nothing of size (Bt, Dm, L, N) is ever built. The forward walks L in tiles of
/// 512 steps so that the rows of a task reuse each tile of B and C from cache.
/// Float32 decays are computed as 2^(δ·A·log₂e) like the CUDA kernel's exp2f, with a 1-ulp vectorised exp2.
/// <para>Memory of the forward: the output (Bt, Dm, L), the last state if asked for, copies of B and C transposed to
/// (Bt, G, L, Np) (and of any non-contiguous input), and per worker thread 3·512 + rows·Np + Lanes² values of scratch.</para>
/// <para>
/// Autograd: when grad mode is on and an input requires grad, the call goes through
/// <see cref="CpuSelectiveScanFunction"/>, whose forward also keeps the state entering every chunk of
/// <see cref="CpuScanRunner.ChunkLength"/> = 64 steps: Bt·Dm·⌈L/64⌉·Np values (5.9 MB for the classic-SR block:
/// Bt = 1, Dm = 1440, L = 4096, N = 16, float32), besides references to the inputs. It never stores all L states.
/// The backward recomputes one chunk of states and decays at a time from its checkpoint (per worker 2·64·Np values,
/// plus 8·L + 3·64·Lanes of row scratch), runs the adjoint backwards through it, and holds dB/dC partial sums of
/// Bt·G·S·L·Np values each (S = ⌈2·threads/(Bt·G)⌉ slices of a group's channels, at most Dm/G; 1 MB each for the
/// classic block on 2 threads) until they are reduced. Its outputs are the gradients, each the size of its input.
/// </para>
/// </summary>
public sealed class CpuSelectiveScan : ISelectiveScan, IFourWaySelectiveScan
{
    readonly int _maxVectorBits;

    /// <summary>A kernel using SIMD vectors of at most <paramref name="maxVectorBits"/> bits (512, 256 or 128).</summary>
    public CpuSelectiveScan(int maxVectorBits = 512)
    {
        if (maxVectorBits is not (128 or 256 or 512))
            throw new ArgumentOutOfRangeException(nameof(maxVectorBits), maxVectorBits, "vector width must be 128, 256 or 512 bits");
        _maxVectorBits = maxVectorBits;
    }

    public string Name => "cpu";

    /// <summary>Vector widths (bits) that run in hardware on this CPU, widest first.</summary>
    public static IReadOnlyList<int> HardwareVectorBits => CpuScanRunner.HardwareVectorBits;

    /// <summary>The vector width this kernel uses for a state of size <paramref name="stateSize"/> and this dtype.</summary>
    public int VectorBitsFor(long stateSize, ScalarType dtype) =>
        CpuScanRunner.ChooseVectorBits(stateSize, dtype == ScalarType.Float64 ? 8 : 4, _maxVectorBits);

    public bool CanRun(SelectiveScanInputs inputs) =>
        inputs.U.dtype is ScalarType.Float32 or ScalarType.Float64
        && Tensors(inputs).All(t => t.device_type == DeviceType.CPU && t.dtype == inputs.U.dtype);

    public SelectiveScanResult Run(SelectiveScanInputs x)
    {
        x.Validate();
        if (!CanRun(x))
            throw new ArgumentException($"the cpu selective-scan kernel needs float32 or float64 CPU tensors of one dtype; got u {x.U.dtype} on {x.U.device}");
        int bits = VectorBitsFor(x.StateSize, x.U.dtype);
        if (is_grad_enabled() && Tensors(x).Any(t => t.requires_grad))
        {
            var outputs = CpuSelectiveScanFunction.apply(x.U, x.Delta, x.A, x.B, x.C, x.D!, x.Z!, x.DeltaBias!, x.DeltaSoftplus, x.ReturnLastState, bits);
            return new SelectiveScanResult(outputs[0], x.ReturnLastState ? outputs[1] : null);
        }
        var r = CpuScanRunner.Forward(x, bits, Threads, keepCheckpoints: false);
        return new SelectiveScanResult(r.Output, r.LastState);
    }

    /// <summary>The fused SS2D scan (<see cref="FusedSs2dKernel{T}"/>): float32 or float64 CPU tensors of one dtype.</summary>
    public bool CanRunFourWays(FourWayScanInputs inputs) =>
        inputs.X.dtype is ScalarType.Float32 or ScalarType.Float64
        && inputs.Tensors.All(t => t.device_type == DeviceType.CPU && t.dtype == inputs.X.dtype);

    public Tensor RunFourWays(FourWayScanInputs inputs)
    {
        inputs.Validate();
        if (!CanRunFourWays(inputs))
            throw new ArgumentException($"the cpu four-way scan needs float32 or float64 CPU tensors of one dtype; got x {inputs.X.dtype} on {inputs.X.device}");
        return FusedSs2dRunner.Run(inputs, _maxVectorBits, Threads);
    }

    /// <summary>Worker threads: libtorch's intra-op thread count (set by <c>--threads</c> / <c>torch.set_num_threads</c>).</summary>
    internal static int Threads => Math.Max(1, get_num_threads());

    static IEnumerable<Tensor> Tensors(SelectiveScanInputs x) =>
        new[] { x.U, x.Delta, x.A, x.B, x.C, x.D, x.Z, x.DeltaBias }.Where(t => t is not null)!;
}
