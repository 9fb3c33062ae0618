using MambaIR.Checkpoints;
using Xunit.Abstractions;
using MambaIR.Models;
using MambaIR.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Tests.Models;

/// <summary>
/// Parity with the official PyTorch code on every reference vector in <see cref="TestPaths.RefVecDirs"/>, of every family
/// (MambaIR v1, MambaIRv2, MambaIRv2-light, the real-denoising U-Net; MambaIRv2 with its deterministic routing, which is
/// how the vectors were made): architecture from the json, detection from the .pth alone, float64 and float32 outputs,
/// L1 loss and every gradient.
/// Runs through <see cref="MambaIR.Ops.SelectiveScan"/>'s default backend, so each scan backend must pass these.
/// </summary>
[Trait("Category", "Parity")]
public class RefVecParityTests
{
    readonly ITestOutputHelper log;

    public RefVecParityTests(ITestOutputHelper log)
    {
        this.log = log;
        TorchRuntime.EnsureInitialized();
    }

    [Theory]
    [MemberData(nameof(RefVecCase.Names), MemberType = typeof(RefVecCase))]
    public void ArchitectureBuildsAndMatchesCounts(string name)
    {
        var rv = RefVecCase.Open(name);
        using var model = rv.Config.CreateNetwork();
        Assert.Equal(rv.Json.GetProperty("params").GetInt64(), model.parameters().Sum(p => p.numel()));
        Assert.Equal(rv.Json.GetProperty("state_dict_tensors").GetInt32(), model.state_dict().Count);
    }

    [Theory]
    [MemberData(nameof(RefVecCase.Names), MemberType = typeof(RefVecCase))]
    public void DetectorRecoversTheConfigFromTheCheckpointAlone(string name)
    {
        var rv = RefVecCase.Open(name);
        using var sd = Checkpoint.Load(rv.PthPath);
        var detected = ConfigDetector.DetectNetwork(sd);
        Assert.Equal(rv.Architecture, detected.Architecture);
        Assert.Equal(rv.Config, detected);
    }

    [Theory]
    [MemberData(nameof(RefVecCase.Names), MemberType = typeof(RefVecCase))]
    public void Float64OutputMatchesReference(string name) => CheckOutput(name, ScalarType.Float64, 1e-8);

    [Theory]
    [MemberData(nameof(RefVecCase.Names), MemberType = typeof(RefVecCase))]
    public void Float32OutputMatchesReference(string name) => CheckOutput(name, ScalarType.Float32, 5e-5);

    void CheckOutput(string name, ScalarType dtype, double tolerance)
    {
        var rv = RefVecCase.Open(name);
        using var scope = NewDisposeScope();
        using var io = SafeTensors.Read(rv.IoPath);
        using var loaded = ModelLoader.Load(rv.PthPath, new ModelLoadOptions { Config = rv.Config, DType = dtype });
        Tensor output;
        using (no_grad()) output = loaded.Model!.forward(io["input"].to(dtype));
        var expected = io["output_f64"];
        Assert.Equal(expected.shape, output.shape);
        Assert.Equal(dtype, output.dtype);
        double err = (output.to(ScalarType.Float64) - expected).abs().max().item<double>();
        log.WriteLine($"{name} {dtype}: max |out - output_f64| = {err:E3} (scan backend: {MambaIR.Ops.SelectiveScan.Choose(DummyScanInputs(dtype)).Name})");
        Assert.True(err <= tolerance, $"{name} {dtype}: max |out - output_f64| = {err:E3} > {tolerance:E0}");
    }

    [Theory]
    [MemberData(nameof(RefVecCase.NamesWithGrads), MemberType = typeof(RefVecCase))]
    public void L1LossAndEveryGradientMatchReference(string name)
    {
        var rv = RefVecCase.Open(name);
        using var scope = NewDisposeScope();
        using var io = SafeTensors.Read(rv.IoPath);
        using var loaded = ModelLoader.Load(rv.PthPath, new ModelLoadOptions { Config = rv.Config, DType = ScalarType.Float64 });
        var model = loaded.Model!;
        model.train();
        var output = model.forward(io["input"].to(ScalarType.Float64));
        var loss = (output - io["target"].to(ScalarType.Float64)).abs().mean();
        double refLoss = io["loss"].item<double>();
        double lossErr = Math.Abs(loss.item<double>() - refLoss) / Math.Abs(refLoss);
        log.WriteLine($"{name}: L1 loss relative error {lossErr:E3}");
        Assert.True(lossErr <= 1e-7, $"L1 loss {loss.item<double>():R} vs reference {refLoss:R} (relative {lossErr:E3})");
        loss.backward();

        var grads = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad);
        var refNames = io.Keys.Where(k => k.StartsWith("grad.", StringComparison.Ordinal)).Select(k => k["grad.".Length..]).ToHashSet();
        Assert.Equal(refNames.OrderBy(n => n, StringComparer.Ordinal), grads.Keys.OrderBy(n => n, StringComparer.Ordinal));
        var failures = new List<string>();
        double worst = 0;
        foreach (var (param, grad) in grads)
        {
            Assert.True(grad is not null, $"no gradient for {param}");
            var gRef = io["grad." + param];
            Assert.Equal(gRef.shape, grad!.shape);
            double scale = gRef.abs().max().item<double>();
            double err = (grad - gRef).abs().max().item<double>() / (scale > 0 ? scale : 1);
            if (!(err <= 1e-7)) failures.Add($"{param}: relative max error {err:E3}");
            worst = Math.Max(worst, err);
        }
        log.WriteLine($"{name}: {grads.Count} gradients, worst relative max error {worst:E3}");
        Assert.True(failures.Count == 0, $"{failures.Count} gradients differ: {string.Join("; ", failures.Take(20))}");
    }

    /// <summary>Minimal inputs of the SS2D call shape, to ask <see cref="MambaIR.Ops.SelectiveScan.Choose"/> which backend runs.</summary>
    static MambaIR.Ops.SelectiveScanInputs DummyScanInputs(ScalarType dtype) =>
        new(zeros(1, 4, 1, dtype: dtype), zeros(1, 4, 1, dtype: dtype), zeros(4, 1, dtype: dtype), zeros(1, 4, 1, 1, dtype: dtype), zeros(1, 4, 1, 1, dtype: dtype));
}
