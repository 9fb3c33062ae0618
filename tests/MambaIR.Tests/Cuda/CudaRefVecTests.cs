using MambaIR.Checkpoints;
using MambaIR.Models;
using MambaIR.Tests.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MambaIR.Tests.Cuda;

/// <summary>
/// Every MambaIR reference vector run on the GPU (the fused scan kernel inside the whole network): float32 outputs within
/// 1e-4 of the official float64 outputs relative to their largest value, float64 within 1e-10; for the vectors with
/// gradients, the L1 loss's gradient of every weight likewise. TF32 is switched off so float32 means float32.
/// </summary>
[Trait("Category", "Cuda")]
[Collection("cuda-precision")] // changes libtorch's process-wide TF32 switches
public class CudaRefVecTests(ITestOutputHelper log)
{
    [CudaTheory]
    [MemberData(nameof(RefVecCase.Names), MemberType = typeof(RefVecCase))]
    public void Float32OutputMatchesReference(string name) => CheckOutput(name, ScalarType.Float32, 1e-4);

    [CudaTheory]
    [MemberData(nameof(RefVecCase.Names), MemberType = typeof(RefVecCase))]
    public void Float64OutputMatchesReference(string name) => CheckOutput(name, ScalarType.Float64, 1e-10);

    [CudaTheory]
    [MemberData(nameof(RefVecCase.NamesWithGrads), MemberType = typeof(RefVecCase))]
    public void Float32GradientsMatchReference(string name) => CheckGradients(name, ScalarType.Float32, 1e-4);

    [CudaTheory]
    [MemberData(nameof(RefVecCase.NamesWithGrads), MemberType = typeof(RefVecCase))]
    public void Float64GradientsMatchReference(string name) => CheckGradients(name, ScalarType.Float64, 1e-10);

    static void NoTf32()
    {
        backends.cuda.matmul.allow_tf32 = false;
        backends.cudnn.allow_tf32 = false;
    }

    void CheckOutput(string name, ScalarType dtype, double tol)
    {
        NoTf32();
        var rv = RefVecCase.Open(name);
        using var scope = NewDisposeScope();
        using var io = SafeTensors.Read(rv.IoPath);
        using var loaded = ModelLoader.Load(rv.PthPath, new ModelLoadOptions { Config = rv.Config, DType = dtype, Device = CUDA });
        Tensor output;
        using (no_grad()) output = loaded.Model!.forward(io["input"].to(dtype).to(CUDA)).cpu();
        var expected = io["output_f64"];
        Assert.Equal(expected.shape, output.shape);
        double err = (output.to(ScalarType.Float64) - expected).abs().max().item<double>() / expected.abs().max().item<double>();
        log.WriteLine($"{name} {dtype} on CUDA: max |out - output_f64| / max |output_f64| = {err:E3} (scan: {MambaIR.Ops.SelectiveScan.ChooseFor(CUDA, dtype).Name})");
        Assert.True(err <= tol, $"{name} {dtype}: relative error {err:E3} > {tol:E0}");
    }

    void CheckGradients(string name, ScalarType dtype, double tol)
    {
        NoTf32();
        var rv = RefVecCase.Open(name);
        using var scope = NewDisposeScope();
        using var io = SafeTensors.Read(rv.IoPath);
        using var loaded = ModelLoader.Load(rv.PthPath, new ModelLoadOptions { Config = rv.Config, DType = dtype, Device = CUDA });
        var model = loaded.Model!;
        var output = model.forward(io["input"].to(dtype).to(CUDA));
        var loss = (output - io["target"].to(dtype).to(CUDA)).abs().mean();
        double lossValue = loss.detach().cpu().to_type(ScalarType.Float64).item<double>();
        double lossErr = Math.Abs(lossValue - io["loss"].item<double>()) / Math.Abs(io["loss"].item<double>());
        loss.backward();
        var failures = new List<string>();
        double worst = 0;
        int count = 0;
        foreach (var (param, p) in model.named_parameters())
        {
            var gRef = io["grad." + param];
            var g = p.grad!.cpu().to(ScalarType.Float64);
            double err = (g - gRef).abs().max().item<double>() / Math.Max(gRef.abs().max().item<double>(), 1e-300);
            worst = Math.Max(worst, err);
            count++;
            if (!(err <= tol)) failures.Add($"{param}: {err:E2}");
        }
        log.WriteLine($"{name} {dtype} on CUDA: L1 loss relative error {lossErr:E2}; {count} gradients, worst relative max error {worst:E3}");
        Assert.True(failures.Count == 0, $"{failures.Count} gradients beyond {tol:E0}: {string.Join("; ", failures.Take(20))}");
    }
}
