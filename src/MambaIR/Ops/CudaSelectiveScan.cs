using MambaIR.Native.Cuda;
using MambaIR.Ops.Cuda;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Ops;

/// <summary>
/// The selective scan as a fused CUDA kernel (float32 and float64, N ≤ 64), written in CUDA C
/// (<see cref="ScanKernelSource"/>), compiled at run time by NVRTC and launched through the CUDA driver on the tensors'
/// own device memory: no CUDA toolkit is needed, only the NVIDIA driver and a <c>libnvrtc.so</c> (PyTorch's CUDA wheels
/// ship one beside torch/lib; see <see cref="NvrtcLocator"/>). Compiled kernels are cached on disk per GPU architecture,
/// dtype and N (<see cref="CudaKernelCache"/>).
/// <para>
/// The float32 forward runs the lane-per-state kernel (<see cref="LaneScanKernelSource"/>: each lane holds a few states of
/// one channel and walks every step, no cross-lane recurrence). The backward, and float64: sequential over L inside each
/// lane's 8 (float64: 4) steps with the state in registers, the 32 lanes of a warp
/// combined by a shuffle scan, windows of 32 lanes' steps one after another; one warp per (batch, channel), four channels
/// of a group per block (they read the same B and C, so L1 serves three of them; see <see cref="CudaScanVariant"/>).
/// With too few rows to fill the GPU, each row's sequence is cut into segments scanned by separate warps after a
/// summary pass (<see cref="CudaScanKernels.Segmentation(long, long, int, int?)"/>). Memory of the forward: the output, the last state if asked,
/// and with autograd the state entering every window (1/16 of u's size at N = 16 in float32). The backward recomputes
/// each window's states from those checkpoints and never stores (Bt, Dm, L, N).
/// </para>
/// When the driver or NVRTC is missing, <see cref="CanRun"/> says no (once, with a one-line notice on standard error), so
/// CUDA tensors get the chunked tensor-op scan instead.
/// </summary>
public sealed class CudaSelectiveScan : ISelectiveScan, IFourWaySelectiveScan
{
    /// <summary>The one-line fallback notice, written once per process to standard error.</summary>
    static readonly OnceNotice Fallback = new(s => Console.Error.WriteLine(s));

    public string Name => "cuda";

    /// <summary>What was compiled or read from the kernel cache in this process, with each kernel's registers and local memory.</summary>
    public static IReadOnlyList<string> KernelLog => CudaScanKernels.Log;

    /// <summary>The toolchain, or null with the reason; the first failure is reported once through <see cref="Fallback"/>.</summary>
    public static CudaToolchain? Toolchain(out string? failure)
    {
        var tc = CudaToolchain.TryGet(out failure);
        if (tc is null) ReportFallback(failure!);
        return tc;
    }

    internal static void ReportFallback(string reason) => Fallback.Report(FallbackMessage(reason));

    internal static string FallbackMessage(string reason) =>
        $"note: the fused CUDA selective-scan kernel is unavailable ({reason}); CUDA tensors use the chunked tensor-op scan instead.";

    /// <summary>Whether these inputs fit the kernel: one CUDA device, float32 or float64, N ≤ 64, grid limits.</summary>
    public static bool Supports(SelectiveScanInputs x) =>
        x.U.device_type == DeviceType.CUDA
        && x.U.dtype is ScalarType.Float32 or ScalarType.Float64
        && Tensors(x).All(t => t.device_type == DeviceType.CUDA && t.device.index == x.U.device.index && t.dtype == x.U.dtype)
        && x.A.dim() == 2 && x.StateSize is >= 1 and <= CudaScanKernels.MaxStateSize
        && x.Length is >= 1 and < int.MaxValue && x.Batch is >= 1 and <= 65535 && x.Groups <= 65535
        && x.Batch * x.Channels * x.Length < int.MaxValue * 4L;

    public bool CanRun(SelectiveScanInputs inputs) => Supports(inputs) && Toolchain(out _) is not null;

    public SelectiveScanResult Run(SelectiveScanInputs x)
    {
        x.Validate();
        if (!Supports(x))
            throw new ArgumentException($"the cuda selective-scan kernel needs float32 or float64 CUDA tensors of one dtype on one device with N ≤ {CudaScanKernels.MaxStateSize}; got u {x.U.dtype} on {x.U.device}, N = {x.StateSize}");
        if (Toolchain(out var why) is null) throw new CudaException($"the CUDA selective-scan kernel is unavailable: {why}");
        if (is_grad_enabled() && Tensors(x).Any(t => t.requires_grad))
        {
            var outputs = CudaSelectiveScanFunction.apply(x.U, x.Delta, x.A, x.B, x.C, x.D!, x.Z!, x.DeltaBias!, x.DeltaSoftplus, x.ReturnLastState);
            return new SelectiveScanResult(outputs[0], x.ReturnLastState ? outputs[1] : null);
        }
        var r = CudaScanRunner.Forward(x, keepCheckpoints: false);
        return new SelectiveScanResult(r.Output, r.LastState);
    }

    /// <summary>Environment variable: <c>1</c> turns the four-way SS2D kernel on, <c>0</c> off (SS2D then builds the four directions itself).</summary>
    public const string FourWaysEnvironmentVariable = "MAMBAIR_CUDA_FOURWAY";

    /// <summary>Whether the four-way SS2D kernel runs when <see cref="FourWaysEnvironmentVariable"/> is unset: not until it has
    /// passed the GPU tests on the GPU machine.</summary>
    public const bool FourWaysByDefault = false;

    /// <summary>When set, decides on this thread whether the four-way kernel runs (tests); else the environment, else the default.</summary>
    [ThreadStatic] static bool? _fourWaysOverride;
    public static bool? FourWaysOverride { get => _fourWaysOverride; set => _fourWaysOverride = value; }

    static bool FourWaysEnabled => FourWaysOverride ?? Environment.GetEnvironmentVariable(FourWaysEnvironmentVariable) switch { "1" => true, "0" => false, _ => FourWaysByDefault };

    /// <summary>
    /// Whether SS2D's four-direction scan runs as one kernel (<see cref="CudaScanRunner.ForwardFourWays"/>): inference (no
    /// tensor needs a gradient), float32 tensors on one CUDA device, N ≤ 32, dt rank ≤ 16, the channel-per-thread build.
    /// Training, float64 and the other builds take the per-direction path (the backward needs its checkpoints).
    /// </summary>
    public bool CanRunFourWays(FourWayScanInputs x) =>
        FourWaysEnabled
        && x.X.device_type == DeviceType.CUDA && x.X.dim() == 4 && x.ALogs.dim() == 2 && x.DtProjWeight.dim() == 3
        && x.Tensors.All(t => t.device_type == DeviceType.CUDA && t.device.index == x.X.device.index && t.dtype == ScalarType.Float32)
        && !(is_grad_enabled() && x.Tensors.Any(t => t.requires_grad))
        && x.StateSize is >= 1 and <= CudaScanVariant.ChannelMaxStates && x.Rank is >= 1 and <= CudaScanKernels.FourWayMaxRank
        && x.Batch is >= 1 and <= 65535 && x.Height * x.Width is >= 1 and < int.MaxValue
        && x.Batch * x.Height * x.Width * x.Channels * FourWayScanInputs.Directions < int.MaxValue * 4L
        && CudaScanVariant.Current.For(ScalarType.Float32, (int)x.StateSize).PerChannel
        && Toolchain(out _) is not null;

    public Tensor RunFourWays(FourWayScanInputs x) => RunFourWays(x, gate: null);

    /// <summary>
    /// <see cref="RunFourWays(FourWayScanInputs)"/>, followed when <paramref name="gate"/> is given by SS2D's epilogue in the same
    /// pass over y: out_norm(y) · SiLU(z), (B, H, W, D_i). z, the norm's weight and bias must be float32 on x's device, z (B, H, W, D_i).
    /// </summary>
    public Tensor RunFourWays(FourWayScanInputs x, FourWayOutputGate? gate)
    {
        x.Validate();
        if (!CanRunFourWays(x))
            throw new ArgumentException($"the CUDA four-way scan needs float32 CUDA tensors without autograd, N ≤ {CudaScanVariant.ChannelMaxStates} and " +
                                        $"dt rank ≤ {CudaScanKernels.FourWayMaxRank}; got x {x.X.dtype} on {x.X.device}, N = {x.StateSize}, rank {x.Rank}");
        if (gate is not null && !CanGate(x, gate))
            throw new ArgumentException($"the CUDA four-way scan's gate needs float32 tensors on x's device without autograd and z shaped like x: got z {gate.Z.dtype} " +
                                        $"on {gate.Z.device}, shape ({string.Join(", ", gate.Z.shape)}); x ({string.Join(", ", x.X.shape)})");
        return CudaScanRunner.ForwardFourWays(x, gate);
    }

    /// <summary>Whether <paramref name="gate"/> fits <paramref name="x"/> for <see cref="RunFourWays(FourWayScanInputs, FourWayOutputGate?)"/>.</summary>
    public static bool CanGate(FourWayScanInputs x, FourWayOutputGate gate)
    {
        var tensors = new[] { gate.Z, gate.NormWeight, gate.NormBias };
        return gate.Z.shape.SequenceEqual(x.X.shape)
            && gate.NormWeight.shape.SequenceEqual(new[] { x.Channels }) && gate.NormBias.shape.SequenceEqual(new[] { x.Channels })
            && tensors.All(t => t.dtype == ScalarType.Float32 && t.device_type == DeviceType.CUDA && t.device.index == x.X.device.index)
            && !(is_grad_enabled() && tensors.Any(t => t.requires_grad));
    }

    static IEnumerable<Tensor> Tensors(SelectiveScanInputs x) =>
        new[] { x.U, x.Delta, x.A, x.B, x.C, x.D, x.Z, x.DeltaBias }.Where(t => t is not null)!;
}

/// <summary>Writes a message the first time <see cref="Report"/> is called and never again (thread-safe).</summary>
internal sealed class OnceNotice(Action<string> write)
{
    int _done;

    /// <summary>True when this call wrote the message.</summary>
    public bool Report(string message)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0) return false;
        write(message);
        return true;
    }
}
