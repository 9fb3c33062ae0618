using System.Text.Json;
using MambaIR.Checkpoints;
using MambaIR.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Native;

/// <summary>
/// A quick check that a device computes what the CPU computes: convolution, matrix product, and a backward pass.
/// Used by <c>mambair runtime --check</c> to validate an external (e.g. CUDA) libtorch before a long job.
/// </summary>
public static class RuntimeSelfCheck
{
    public sealed record Result(string Device, string Operation, double MaxAbsDifference, bool Passed);

    /// <summary>Runs each operation in float64 on <paramref name="device"/> and on the CPU and compares.</summary>
    public static IReadOnlyList<Result> Run(Device device, double tolerance = 1e-9)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        manual_seed(1234);
        var x = randn(2, 3, 17, 19, dtype: float64);
        var w = randn(5, 3, 3, 3, dtype: float64);
        var a = randn(64, 48, dtype: float64);
        var b = randn(48, 32, dtype: float64);
        var results = new List<Result>
        {
            Compare(device, "conv2d", d => nn.functional.conv2d(x.to(d), w.to(d), padding: new long[] { 1, 1 }), tolerance),
            Compare(device, "matmul", d => a.to(d).matmul(b.to(d)), tolerance),
            Compare(device, "autograd", d =>
            {
                var wd = w.to(d).detach().requires_grad_(true);
                var loss = nn.functional.conv2d(x.to(d), wd, padding: new long[] { 1, 1 }).tanh().abs().mean();
                loss.backward();
                return wd.grad!;
            }, tolerance),
        };
        return results;
    }

    static Result Compare(Device device, string op, Func<Device, Tensor> f, double tol)
    {
        var cpu = f(CPU);
        var dev = f(device).cpu();
        double diff = (cpu - dev).abs().max().item<double>();
        return new Result(device.ToString(), op, diff, diff <= tol);
    }

    /// <summary>One reference vector on a device: relative error of the output (and of the worst weight gradient).</summary>
    public sealed record ReferenceVectorResult(string Name, ScalarType Dtype, double OutputError, double? WorstGradientError, string? WorstGradient, double Tolerance)
    {
        public bool Passed => OutputError <= Tolerance && (WorstGradientError is null || WorstGradientError <= Tolerance);
    }

    /// <summary>
    /// Every MambaIR reference vector in <paramref name="folder"/> (NAME.json with "arch": "MambaIR", NAME.pth,
    /// NAME.io.safetensors) run on <paramref name="device"/> in float32 and float64 with TF32 off: the output against the
    /// official float64 output, and for vectors with gradients every weight gradient of the L1 loss, each as
    /// max |difference| / max |reference|. Tolerances: 1e-4 (float32), 1e-10 (float64).
    /// </summary>
    public static IEnumerable<ReferenceVectorResult> ReferenceVectors(Device device, string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"reference vector folder '{folder}' does not exist");
        bool matmul = backends.cuda.matmul.allow_tf32, cudnn = backends.cudnn.allow_tf32;
        backends.cuda.matmul.allow_tf32 = false;
        backends.cudnn.allow_tf32 = false;
        try
        {
            foreach (var json in Directory.GetFiles(folder, "*.json").OrderBy(p => p, StringComparer.Ordinal))
            {
                var doc = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
                if (!doc.TryGetProperty("arch", out var arch) || arch.GetString() != "MambaIR") continue;
                string name = Path.GetFileNameWithoutExtension(json), dir = Path.GetDirectoryName(json)!;
                var config = MambaIRConfig.FromJson(doc.GetProperty("kwargs"));
                bool grads = doc.TryGetProperty("grads", out var g) && g.ValueKind == JsonValueKind.True;
                foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
                    yield return OneVector(device, name, Path.Combine(dir, name + ".pth"), Path.Combine(dir, name + ".io.safetensors"), config, grads, dtype);
            }
        }
        finally
        {
            backends.cuda.matmul.allow_tf32 = matmul;
            backends.cudnn.allow_tf32 = cudnn;
        }
    }

    static ReferenceVectorResult OneVector(Device device, string name, string pth, string ioPath, MambaIRConfig config, bool grads, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var io = SafeTensors.Read(ioPath);
        using var loaded = ModelLoader.Load(pth, new ModelLoadOptions { Config = config, DType = dtype, Device = device });
        var model = loaded.Model!;   // a loaded checkpoint always has its network
        var expected = io["output_f64"];
        double Rel(Tensor got, Tensor want) => (got.cpu().to_type(ScalarType.Float64) - want).abs().max().item<double>() / Math.Max(want.abs().max().item<double>(), 1e-300);
        double tol = dtype == ScalarType.Float64 ? 1e-10 : 1e-4;
        if (!grads)
        {
            using var _ = no_grad();
            return new ReferenceVectorResult(name, dtype, Rel(model.forward(io["input"].to(dtype).to(device)), expected), null, null, tol);
        }
        var output = model.forward(io["input"].to(dtype).to(device));
        double outErr = Rel(output.detach(), expected);
        (output - io["target"].to(dtype).to(device)).abs().mean().backward();
        double worst = 0;
        string? worstName = null;
        foreach (var (param, p) in model.named_parameters())
        {
            double e = Rel(p.grad!, io["grad." + param]);
            if (e > worst || worstName is null) { worst = e; worstName = param; }
        }
        return new ReferenceVectorResult(name, dtype, outErr, worst, worstName, tol);
    }
}
