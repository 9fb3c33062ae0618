using static TorchSharp.torch;

namespace MambaIR.Ops;

/// <summary>
/// The one entry point the networks call. Picks the first registered backend that can run the inputs,
/// unless a backend is forced with <see cref="Forced"/> or the <c>MAMBAIR_SCAN</c> environment variable
/// (a backend <see cref="ISelectiveScan.Name"/>, e.g. <c>reference</c>).
/// </summary>
public static class SelectiveScan
{
    public const string EnvironmentVariable = "MAMBAIR_SCAN";

    /// <summary>
    /// Backends in order of preference: the CPU kernel for float32/float64 CPU tensors, the fused CUDA kernel for CUDA ones
    /// (when the driver and NVRTC are there), the chunked tensor-op scan for other devices; the reference comes last and runs anything.
    /// </summary>
    static readonly List<ISelectiveScan> Backends = new()
    {
        new CpuSelectiveScan(),
        new CudaSelectiveScan(),
        new ChunkedSelectiveScan(),
        new ReferenceSelectiveScan(),
    };

    public static ISelectiveScan Reference { get; } = Backends.Last();

    /// <summary>When set, every call uses this backend (tests, benchmarks). Thread-static so parallel tests do not interfere.</summary>
    [ThreadStatic] static ISelectiveScan? _forced;
    public static ISelectiveScan? Forced { get => _forced; set => _forced = value; }

    public static IReadOnlyList<ISelectiveScan> Available => Backends;

    /// <summary>Finds a backend by name; throws naming the known ones.</summary>
    public static ISelectiveScan ByName(string name) =>
        Backends.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown selective-scan backend '{name}'; known: {string.Join(", ", Backends.Select(b => b.Name))}");

    /// <summary>The backend that <see cref="Run"/> would use for these inputs.</summary>
    public static ISelectiveScan Choose(SelectiveScanInputs inputs)
    {
        if (Forced is { } f) return f;
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env) return ByName(env);
        return Backends.First(b => b.CanRun(inputs));
    }

    /// <summary>Runs the scan. bfloat16 and float16 inputs are scanned in float32 (<see cref="RunInFloat32"/>).</summary>
    public static SelectiveScanResult Run(SelectiveScanInputs inputs) =>
        IsReduced(inputs.U.dtype) ? RunInFloat32(inputs) : Choose(inputs).Run(inputs);

    /// <summary>bfloat16 and float16: the types of reduced-precision inference.</summary>
    public static bool IsReduced(ScalarType dtype) => dtype is ScalarType.BFloat16 or ScalarType.Float16;

    /// <summary>
    /// A scan of reduced-precision inputs: every input converted to float32 (a network in bfloat16 keeps A_logs, Ds and
    /// the δ bias in float32 already), the scan run and accumulated in float32 by the backend that float32 tensors get,
    /// the output (and last state) converted back to the inputs' type. Conversions are differentiable, so training
    /// through it gets float32 gradients of the scan converted to the inputs' types.
    /// </summary>
    static SelectiveScanResult RunInFloat32(SelectiveScanInputs x)
    {
        using var scope = NewDisposeScope();
        Tensor? F(Tensor? t) => t?.to(ScalarType.Float32);
        var r = Run(x with { U = F(x.U)!, Delta = F(x.Delta)!, A = F(x.A)!, B = F(x.B)!, C = F(x.C)!, D = F(x.D), Z = F(x.Z), DeltaBias = F(x.DeltaBias) });
        return new SelectiveScanResult(r.Output.to(x.U.dtype).MoveToOuterDisposeScope(), r.LastState?.to(x.U.dtype).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The fused four-direction form of the backend that <see cref="Choose"/> picks for these tensors (forced, named by
    /// <see cref="EnvironmentVariable"/>, or the first that can run them), or null when that backend has none or cannot
    /// run these inputs fused: the caller then builds the four directions itself and calls <see cref="Run"/>.
    /// </summary>
    public static IFourWaySelectiveScan? ChooseFourWays(FourWayScanInputs inputs)
    {
        var x = inputs.X;
        // Only the device and dtype decide the default backend; x stands in for every tensor of the call.
        var chosen = Forced ?? (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? ByName(env) : null)
            ?? Backends.First(b => b.CanRun(new SelectiveScanInputs(x, x, x, x, x)));
        return chosen is IFourWaySelectiveScan fused && fused.CanRunFourWays(inputs) ? fused : null;
    }

    /// <summary>The backend that calls with tensors of <paramref name="dtype"/> on <paramref name="device"/> get (for reports).</summary>
    public static ISelectiveScan ChooseFor(Device device, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        Tensor Zeros(params long[] shape) => zeros(shape, dtype: dtype, device: device);
        return Choose(new SelectiveScanInputs(Zeros(1, 1, 1), Zeros(1, 1, 1), Zeros(1, 1), Zeros(1, 1, 1), Zeros(1, 1, 1)));
    }
}
