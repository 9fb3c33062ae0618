using System.Runtime.InteropServices;

namespace MambaIR.Native.Cuda;

/// <summary>
/// cuDNN's convolution autotuning (<c>torch.backends.cudnn.benchmark</c>, which BasicSR's training and test scripts turn
/// on): with it, the first convolution of each shape times cuDNN's algorithms and keeps the fastest; without it, cuDNN's
/// heuristic picks one. TorchSharp has no switch for it, so this calls libtorch's own <c>at::Context</c>
/// (<c>at::globalContext().setBenchmarkCuDNN(bool)</c>) in the loaded <c>libtorch_cpu</c>. Unavailable (null) where those
/// symbols are missing.
/// </summary>
public static class CudnnAutotune
{
    /// <summary>Environment variable that sets the switch when CUDA is first resolved: <c>1</c>/<c>on</c> or <c>0</c>/<c>off</c>.</summary>
    public const string EnvironmentVariable = "MAMBAIR_CUDNN_BENCHMARK";

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate IntPtr GlobalContext();
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate void SetFlag(IntPtr context, byte value);
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate byte GetFlag(IntPtr context);

    static readonly Lazy<(GlobalContext Context, SetFlag Set, GetFlag Get)?> Api = new(Bind);

    static (GlobalContext, SetFlag, GetFlag)? Bind()
    {
        TorchRuntime.EnsureInitialized();
        // libtorch_cpu is already loaded by then; dlopen of its name returns that copy.
        if (!NativeLibrary.TryLoad(OperatingSystem.IsWindows() ? "torch_cpu.dll" : "libtorch_cpu.so", out var lib)) return null;
        if (!NativeLibrary.TryGetExport(lib, "_ZN2at13globalContextEv", out var context)
            || !NativeLibrary.TryGetExport(lib, "_ZN2at7Context17setBenchmarkCuDNNEb", out var set)
            || !NativeLibrary.TryGetExport(lib, "_ZNK2at7Context14benchmarkCuDNNEv", out var get))
            return null;
        return (Marshal.GetDelegateForFunctionPointer<GlobalContext>(context), Marshal.GetDelegateForFunctionPointer<SetFlag>(set),
            Marshal.GetDelegateForFunctionPointer<GetFlag>(get));
    }

    /// <summary>Whether autotuning is on, or null when this libtorch does not expose the switch.</summary>
    public static bool? Enabled
    {
        get => Api.Value is { } api ? api.Get(api.Context()) != 0 : null;
    }

    /// <summary>Turns autotuning on or off; false when the switch is not available.</summary>
    public static bool Set(bool on)
    {
        if (Api.Value is not { } api) return false;
        api.Set(api.Context(), on ? (byte)1 : (byte)0);
        return true;
    }

    /// <summary>
    /// The setting for training on CUDA: on, as BasicSR's training script sets it (training repeats the same patch shapes, and
    /// with cuDNN's heuristic the float32 backward convolutions of classic ×2 took a quarter of a training step longer on an
    /// H200: docs/BENCHMARKS.md §3), unless <see cref="EnvironmentVariable"/> says otherwise. Returns a line for the log.
    /// Inference keeps libtorch's default (off): restoring images of many sizes would tune every new size again.
    /// </summary>
    public static string ForTraining()
    {
        bool fromEnvironment = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EnvironmentVariable));
        bool? on = fromEnvironment ? ApplyEnvironment() : Set(true) ? Enabled : null;
        return on switch
        {
            null => "cuDNN autotuning: not available in this libtorch (cuDNN's heuristic chooses the convolution algorithms)",
            true => $"cuDNN autotuning: on{(fromEnvironment ? $" ({EnvironmentVariable})" : $", as BasicSR trains; {EnvironmentVariable}=0 turns it off")}",
            false => $"cuDNN autotuning: off ({EnvironmentVariable})",
        };
    }

    /// <summary>
    /// Applies <see cref="EnvironmentVariable"/> when it is set; returns the setting in force afterwards (null: unknown).
    /// </summary>
    /// <exception cref="ArgumentException">The variable holds something other than 1/on/0/off.</exception>
    public static bool? ApplyEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(EnvironmentVariable)?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(value)) return Enabled;
        bool on = value switch
        {
            "1" or "on" or "true" => true,
            "0" or "off" or "false" => false,
            _ => throw new ArgumentException($"{EnvironmentVariable}={value}: use 1 (on) or 0 (off)"),
        };
        Set(on);
        return Enabled;
    }
}
