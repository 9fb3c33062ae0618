using static TorchSharp.torch;

namespace MambaIR.Native.Cuda;

/// <summary>
/// Whether float32 matrix products and convolutions on CUDA may use TF32 tensor cores (10-bit mantissa inputs, float32
/// accumulation): libtorch's default allows it for cuDNN convolutions and not for matrix products; <see cref="Set"/>
/// switches both and returns a handle that restores the previous switches when disposed.
/// </summary>
public sealed class Tf32Mode : IDisposable
{
    readonly bool _matmul, _cudnn;
    bool _restored;

    Tf32Mode()
    {
        _matmul = backends.cuda.matmul.allow_tf32;
        _cudnn = backends.cudnn.allow_tf32;
    }

    /// <summary>TF32 on (<paramref name="allow"/> true) or off for both kinds of operation; null leaves libtorch's switches as they are.</summary>
    public static Tf32Mode Set(bool? allow)
    {
        var previous = new Tf32Mode();
        if (allow is { } a)
        {
            backends.cuda.matmul.allow_tf32 = a;
            backends.cudnn.allow_tf32 = a;
        }
        return previous;
    }

    /// <summary>What is in force, for logs: "matmul on/off, convolutions on/off".</summary>
    public static string Describe() =>
        $"TF32 matmul {(backends.cuda.matmul.allow_tf32 ? "on" : "off")}, convolutions {(backends.cudnn.allow_tf32 ? "on" : "off")}";

    public void Dispose()
    {
        if (_restored) return;
        _restored = true;
        backends.cuda.matmul.allow_tf32 = _matmul;
        backends.cudnn.allow_tf32 = _cudnn;
    }
}
