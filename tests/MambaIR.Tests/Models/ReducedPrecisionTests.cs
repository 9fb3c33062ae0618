using MambaIR.Models;
using MambaIR.Native;
using MambaIR.Ops;
using MambaIR.Tests.Ops;
using MambaIR.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Tests.Models;

/// <summary>
/// Reduced-precision inference (issue 10 §3): bfloat16 and float16 networks whose selective scan runs in float32.
/// Oracles: the definition of the scan in float32 on the rounded inputs (exact), the float32 values of the scan's
/// parameters before conversion (exact), and the float32 network (within the reduced type's rounding).
/// </summary>
public class ReducedPrecisionTests
{
    public ReducedPrecisionTests() => TorchRuntime.EnsureInitialized();

    public static TheoryData<string> ReducedTypes => new() { "bfloat16", "float16" };

    static ScalarType Parse(string name) => name == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float16;

    [Theory]
    [MemberData(nameof(ReducedTypes))]
    public void Scan_OfReducedInputs_IsTheFloat32ScanOfTheRoundedInputs(string type)
    {
        var dtype = Parse(type);
        using var scope = NewDisposeScope();
        var x = CpuScanTests.Random(2, 8, 70, 16, 4, z: true, bias: true, softplus: true, last: true, dtype: ScalarType.Float32);
        Tensor? R(Tensor? t) => t?.to(dtype);
        var reduced = x with { U = R(x.U)!, Delta = R(x.Delta)!, A = R(x.A)!, B = R(x.B)!, C = R(x.C)!, D = R(x.D), Z = R(x.Z), DeltaBias = R(x.DeltaBias) };
        var r = SelectiveScan.Run(reduced);
        Tensor? F(Tensor? t) => t?.to(ScalarType.Float32);
        var definition = SelectiveScan.Run(reduced with { U = F(reduced.U)!, Delta = F(reduced.Delta)!, A = F(reduced.A)!, B = F(reduced.B)!, C = F(reduced.C)!, D = F(reduced.D), Z = F(reduced.Z), DeltaBias = F(reduced.DeltaBias) });
        Assert.Equal(dtype, r.Output.dtype);
        Assert.True(TensorAssert.Same(r.Output, definition.Output.to(dtype)), "the output is not the float32 scan's, rounded once");
        Assert.True(TensorAssert.Same(r.LastState!, definition.LastState!.to(dtype)), "the last state is not the float32 scan's, rounded once");
        // A scan accumulated in the reduced type would differ: the float32 one is far closer to the float64 reference.
        Tensor? D64(Tensor? t) => t?.to(ScalarType.Float64);
        var exact = SelectiveScan.Reference.Run(reduced with { U = D64(reduced.U)!, Delta = D64(reduced.Delta)!, A = D64(reduced.A)!, B = D64(reduced.B)!, C = D64(reduced.C)!, D = D64(reduced.D), Z = D64(reduced.Z), DeltaBias = D64(reduced.DeltaBias) });
        double err = (r.Output.to(ScalarType.Float64) - exact.Output).abs().max().item<double>() / exact.Output.abs().max().item<double>();
        Assert.True(err <= (dtype == ScalarType.BFloat16 ? 4e-3 : 5e-4), $"{type}: largest error {err:E2} of the range; only the final rounding should remain");
    }

    public static TheoryData<string, string> Networks => new()
    {
        { "mambair", "bfloat16" }, { "mambair", "float16" }, { "v2", "bfloat16" }, { "v2", "float16" }, { "unet", "bfloat16" },
    };

    static nn.Module<Tensor, Tensor> Build(string family) => family switch
    {
        "mambair" => new MambaIRNet(TinyModels.Light()),
        "v2" => TinyModels.V2Light().CreateNetwork(),
        _ => TinyModels.UNet().CreateNetwork(),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Conversion_KeepsTheScanParametersInFloat32_AndTheStateDictKeys(string family, string type)
    {
        var dtype = Parse(type);
        manual_seed(11);
        using var net = Build(family);
        var before = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        net.to(dtype);
        var after = net.state_dict();
        Assert.Equal(before.Keys.OrderBy(k => k), after.Keys.OrderBy(k => k));
        int scanParameters = 0, residualStream = 0;
        foreach (var (key, value) in after)
        {
            string leaf = key[(key.LastIndexOf('.') + 1)..];
            bool scan = leaf is "A_logs" or "Ds" or "dt_projs_bias"
                // v1's SS2D (also in the U-Net) keeps its whole scan core in float32: x_proj, dt_proj and out_norm too.
                || (family != "v2" && (leaf is "x_proj_weight" or "dt_projs_weight" || key.Contains(".out_norm.")));
            // MambaIR's blocks (v1 and the U-Net's) keep the residual stream's LayerNorms and skip scales in float32,
            // v1 also its patch_embed norm and final norm (MixedPrecision).
            bool stream = family != "v2" && (key.Contains(".ln_1.") || key.Contains(".ln_2.") || leaf is "skip_scale" or "skip_scale2"
                || (family == "mambair" && (key.StartsWith("norm.") || key.StartsWith("patch_embed.norm."))));
            if (scan || stream)
            {
                if (scan) scanParameters++; else residualStream++;
                Assert.True(value.dtype == ScalarType.Float32, $"{key} is {value.dtype}, expected float32");
                Assert.True(TensorAssert.Same(value, before[key]), $"{key} changed in the conversion");
            }
            else if (value.is_floating_point()) Assert.True(value.dtype == dtype, $"{key} is {value.dtype}, expected {dtype}");
        }
        Assert.True(scanParameters >= 3, "no scan parameters found: the test would prove nothing");
        Assert.True(family == "v2" || residualStream >= 4, "no residual-stream parameters found");
        // They are parameters of the module still (trainable, found by parameters()), and converting back restores float32 everywhere.
        Assert.Equal(after.Count(kv => kv.Value.is_floating_point()), net.parameters().Count() + net.buffers().Count(b => b.is_floating_point()));
        net.to(ScalarType.Float32);
        Assert.All(net.state_dict().Where(kv => kv.Value.is_floating_point()), kv => Assert.Equal(ScalarType.Float32, kv.Value.dtype));
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Network_InReducedPrecision_IsTheFloat32NetworkWithinItsRounding(string family, string type)
    {
        var dtype = Parse(type);
        manual_seed(12);
        using var net = Build(family);
        net.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var image = rand(1, 3, 16, 16);
        var reference = net.forward(image);
        net.to(dtype);
        var y = net.forward(image); // float32 in: the network converts it
        Assert.Equal(reference.shape, y.shape);
        double rel = ((y.to(ScalarType.Float32) - reference).norm().item<float>()) / reference.norm().item<float>();
        double bound = dtype == ScalarType.BFloat16 ? 2e-2 : 3e-3;
        Assert.True(rel <= bound, $"{family} in {type}: relative L2 difference {rel:E2} from float32 (bound {bound:E0})");
        Assert.True(rel > 0, "identical outputs: the network did not run in the reduced type");
    }

    [Fact]
    public void Descriptor_OfAReducedModel_TakesAndReturnsFloat32()
    {
        manual_seed(13);
        using var m = ModelLoader.Untrained(NetworkPresets.Get("light-x2"), CPU, ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, m.DType);
        using var scope = NewDisposeScope();
        var y = m.Run(rand(1, 3, 8, 8));
        Assert.Equal(ScalarType.Float32, y.dtype);
        Assert.Equal(new long[] { 1, 3, 16, 16 }, y.shape);
    }
}
