using MambaIR.Checkpoints;
using MambaIR.Models;
using MambaIR.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Tests.Models;

/// <summary>
/// Parity with the official PyTorch MambaIR on every MambaIR v1 reference vector in <see cref="TestPaths.RefVec"/>:
/// architecture from the json, detection from the .pth alone, float64 and float32 outputs, L1 loss and every gradient.
/// Runs through <see cref="MambaIR.Ops.SelectiveScan"/>'s default backend, so each scan backend must pass these.
/// </summary>
[Trait("Category", "Parity")]
public class RefVecParityTests
{
    public RefVecParityTests() => TorchRuntime.EnsureInitialized();

    [Theory]
    [MemberData(nameof(RefVecCase.Names), MemberType = typeof(RefVecCase))]
    public void ArchitectureBuildsAndMatchesCounts(string name)
    {
        var rv = RefVecCase.Open(name);
        using var model = new MambaIRNet(rv.Config);
        Assert.Equal(rv.Json.GetProperty("params").GetInt64(), model.parameters().Sum(p => p.numel()));
        Assert.Equal(rv.Json.GetProperty("state_dict_tensors").GetInt32(), model.state_dict().Count);
    }

    [Theory]
    [MemberData(nameof(RefVecCase.Names), MemberType = typeof(RefVecCase))]
    public void DetectorRecoversTheConfigFromTheCheckpointAlone(string name)
    {
        var rv = RefVecCase.Open(name);
        using var sd = Checkpoint.Load(rv.PthPath);
        var detected = ConfigDetector.Detect(sd);
        Assert.Equal(rv.Config, detected);
    }

    [Theory]
    [MemberData(nameof(RefVecCase.Names), MemberType = typeof(RefVecCase))]
    public void Float64OutputMatchesReference(string name) => CheckOutput(name, ScalarType.Float64, 1e-8);

    [Theory]
    [MemberData(nameof(RefVecCase.Names), MemberType = typeof(RefVecCase))]
    public void Float32OutputMatchesReference(string name) => CheckOutput(name, ScalarType.Float32, 5e-5);

    static void CheckOutput(string name, ScalarType dtype, double tolerance)
    {
        var rv = RefVecCase.Open(name);
        using var scope = NewDisposeScope();
        using var io = SafeTensors.Read(rv.IoPath);
        using var loaded = ModelLoader.Load(rv.PthPath, new ModelLoadOptions { Config = rv.Config, DType = dtype });
        Tensor output;
        using (no_grad()) output = loaded.Model.forward(io["input"].to(dtype));
        var expected = io["output_f64"];
        Assert.Equal(expected.shape, output.shape);
        Assert.Equal(dtype, output.dtype);
        double err = (output.to(ScalarType.Float64) - expected).abs().max().item<double>();
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
        var model = loaded.Model;
        var output = model.forward(io["input"].to(ScalarType.Float64));
        var loss = (output - io["target"].to(ScalarType.Float64)).abs().mean();
        double refLoss = io["loss"].item<double>();
        double lossErr = Math.Abs(loss.item<double>() - refLoss) / Math.Abs(refLoss);
        Assert.True(lossErr <= 1e-7, $"L1 loss {loss.item<double>():R} vs reference {refLoss:R} (relative {lossErr:E3})");
        loss.backward();

        var grads = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad);
        var refNames = io.Keys.Where(k => k.StartsWith("grad.", StringComparison.Ordinal)).Select(k => k["grad.".Length..]).ToHashSet();
        Assert.Equal(refNames.OrderBy(n => n, StringComparer.Ordinal), grads.Keys.OrderBy(n => n, StringComparer.Ordinal));
        var failures = new List<string>();
        foreach (var (param, grad) in grads)
        {
            Assert.True(grad is not null, $"no gradient for {param}");
            var gRef = io["grad." + param];
            Assert.Equal(gRef.shape, grad!.shape);
            double scale = gRef.abs().max().item<double>();
            double err = (grad - gRef).abs().max().item<double>() / (scale > 0 ? scale : 1);
            if (!(err <= 1e-7)) failures.Add($"{param}: relative max error {err:E3}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} gradients differ: {string.Join("; ", failures.Take(20))}");
    }
}
