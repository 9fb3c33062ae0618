using MambaIR.Models;
using MambaIR.Models.V2;
using MambaIR.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Tests.Models;

/// <summary>MambaIRv2's pieces against their definitions (the whole network against the official code is in <see cref="RefVecParityTests"/>).</summary>
public class MambaIRv2ModelTests
{
    public MambaIRv2ModelTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void RelativePositionIndexIsTheOfficialFormula()
    {
        const int ws = 5;
        using var rpi = WindowGeometry.RelativePositionIndex(ws);
        Assert.Equal(new long[] { ws * ws, ws * ws }, rpi.shape);
        Assert.Equal(ScalarType.Int64, rpi.dtype);
        var values = rpi.data<long>().ToArray();
        for (int i = 0; i < ws * ws; i++)
            for (int j = 0; j < ws * ws; j++)
                Assert.Equal((i / ws - j / ws + ws - 1) * (2 * ws - 1) + (i % ws - j % ws + ws - 1), values[i * ws * ws + j]);
    }

    [Fact]
    public void ShiftedWindowMaskSeparatesTheRegionsTheShiftBringsTogether()
    {
        const int h = 8, w = 12, ws = 4, shift = 2;
        using var mask = WindowGeometry.ShiftedWindowMask(h, w, ws, ScalarType.Float64, CPU);
        Assert.Equal(new long[] { h / ws * (w / ws), ws * ws, ws * ws }, mask.shape);
        // Region of a pixel of the shifted map: slices [0, −ws), [−ws, −shift), [−shift, end) of each axis.
        static int Region(int i, int n) => i < n - ws ? 0 : i < n - shift ? 1 : 2;
        var m = mask.data<double>().ToArray();
        int win = 0;
        for (int wy = 0; wy < h / ws; wy++)
            for (int wx = 0; wx < w / ws; wx++, win++)
                for (int a = 0; a < ws * ws; a++)
                    for (int b = 0; b < ws * ws; b++)
                    {
                        int ya = wy * ws + a / ws, xa = wx * ws + a % ws, yb = wy * ws + b / ws, xb = wx * ws + b % ws;
                        bool same = Region(ya, h) == Region(yb, h) && Region(xa, w) == Region(xb, w);
                        Assert.Equal(same ? 0.0 : -100.0, m[(win * ws * ws + a) * ws * ws + b]);
                    }
    }

    [Fact]
    public void WindowPartitionIsRowMajorAndReversible()
    {
        using var scope = NewDisposeScope();
        var x = arange(2 * 8 * 12 * 3, dtype: ScalarType.Float64).view(2, 8, 12, 3);
        var windows = WindowGeometry.Partition(x, 4);
        Assert.Equal(new long[] { 2 * 2 * 3, 4, 4, 3 }, windows.shape);
        // Window 4 of image 1 is window row 1, column 1: pixels (4..7, 4..7).
        Assert.True(windows[2 * 3 + 4].SameAs(x[1].narrow(0, 4, 4).narrow(1, 4, 4)));
        Assert.True(WindowGeometry.Reverse(windows, 4, 8, 12).SameAs(x));
    }

    [Theory]
    [InlineData(17, 21, 16)]
    [InlineData(5, 3, 16)]   // padding longer than the image: the mirrored copies repeat
    [InlineData(16, 32, 16)]
    public void MirrorPaddingIsTheSymmetricExtension(int h, int w, int multiple)
    {
        using var scope = NewDisposeScope();
        var x = rand(1, 2, h, w, dtype: ScalarType.Float64);
        var p = MirrorPadding.ToMultiple(x, multiple);
        long hp = MirrorPadding.RoundUp(h, multiple), wp = MirrorPadding.RoundUp(w, multiple);
        Assert.Equal(new[] { 1L, 2, hp, wp }, p.shape);
        // Symmetric extension with period 2n: index i maps to i mod 2n, reflected into [0, n) (edge repeated).
        static long Source(long i, long n) { long k = i % (2 * n); return k < n ? k : 2 * n - 1 - k; }
        var xs = x.data<double>().ToArray();
        var ps = p.data<double>().ToArray();
        for (int c = 0; c < 2; c++)
            for (long i = 0; i < hp; i++)
                for (long j = 0; j < wp; j++)
                    Assert.Equal(xs[(c * h + Source(i, h)) * w + Source(j, w)], ps[(c * hp + i) * wp + j]);
    }

    [Fact]
    public void RoutingIsTheOneHotWithTheSoftmaxGradient()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var logits = randn(2, 7, 5, dtype: ScalarType.Float64).requires_grad_(true);
        var (policy, classes) = SemanticRouting.Classify(logits, noise: null);
        var soft = logits.detach().softmax(-1);
        Assert.True(classes.SameAs(soft.argmax(-1)));
        // Forward: the one-hot of the argmax (the hot entry 1 up to rounding, the others exactly 0).
        var hot = nn.functional.one_hot(classes, 5).to(ScalarType.Float64);
        Assert.True((policy.detach() - hot).abs().max().item<double>() <= 1e-15);
        Assert.Equal(0.0, (policy.detach() * (1 - hot)).abs().max().item<double>());
        // Backward: straight through the softmax, J·g = s ⊙ (g − ⟨s, g⟩).
        var g = randn(2, 7, 5, dtype: ScalarType.Float64);
        (policy * g).sum().backward();
        var expected = soft * (g - (soft * g).sum(-1, keepdim: true));
        Assert.True((logits.grad! - expected).abs().max().item<double>() <= 1e-15);
    }

    [Fact]
    public void SortIsStableAndTheInverseUndoesIt()
    {
        using var scope = NewDisposeScope();
        var classes = tensor(new long[] { 2, 0, 2, 1, 0, 2, 1, 0, 0, 1, 1, 2, 1, 0, 2, 0 }).view(2, 8);
        var (order, inverse) = SemanticRouting.SortByClass(classes);
        // Ascending class, ties in raster order.
        Assert.Equal(new long[] { 1, 4, 7, 3, 6, 0, 2, 5 }, order[0].data<long>().ToArray());
        Assert.Equal(new long[] { 0, 5, 7, 1, 2, 4, 3, 6 }, order[1].data<long>().ToArray());
        var idx = arange(8, dtype: ScalarType.Int64).expand(2, 8);
        Assert.True(order.gather(1, inverse).SameAs(idx));
        Assert.True(inverse.gather(1, order).SameAs(idx));
    }

    [Fact]
    public void GumbelRoutingIsSeededAndDeterministicRoutingRepeats()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var net = new MambaIRv2Net(TinyModels.V2());
        Perturb(net);
        net.eval();
        var x = rand(1, 3, 12, 10);
        using var _ = no_grad();
        var det1 = net.forward(x);
        var det2 = net.forward(x);
        Assert.True(det1.SameAs(det2), "deterministic routing must repeat exactly");

        net.Routing = MambaIRv2Routing.Gumbel(7);
        var a1 = net.forward(x); var a2 = net.forward(x);
        net.Routing = MambaIRv2Routing.Gumbel(7);
        var b1 = net.forward(x); var b2 = net.forward(x);
        net.Routing = MambaIRv2Routing.Gumbel(8);
        var c1 = net.forward(x);
        Assert.True(a1.SameAs(b1) && a2.SameAs(b2), "a seed must reproduce the same run of forwards");
        Assert.False(a1.SameAs(a2), "the noise advances with every forward");
        Assert.False(a1.SameAs(c1), "another seed gives other noise");
        Assert.False(a1.SameAs(det1), "noise changes the routing");
        net.Routing = MambaIRv2Routing.Deterministic;
        Assert.True(net.forward(x).SameAs(det1));
    }

    [Fact]
    public void InferenceAndTrainingRoutingGiveTheSameOutput()
    {
        // Without gradients the prompt is looked up by class; with them it is the straight-through one-hot product.
        using var scope = NewDisposeScope();
        manual_seed(9);
        using var net = new MambaIRv2Net(TinyModels.V2());
        net.to(ScalarType.Float64);
        Perturb(net);
        var x = rand(1, 3, 19, 11, dtype: ScalarType.Float64);
        Tensor inference;
        using (no_grad()) inference = net.forward(x);
        var training = net.forward(x);
        Assert.True(training.requires_grad);
        // Rounding differences only (a routing difference would change the output at the 1e-3 level or more).
        double diff = (training.detach() - inference).abs().max().item<double>(), scale = inference.abs().max().item<double>();
        Assert.True(diff <= 1e-13 * scale, $"max difference {diff:E3} at output scale {scale:E3}");
    }

    [Fact]
    public void ShiftedLayersGiveTheOfficialResultWithTheBorderWindowsApart()
    {
        // The attention of a shifted layer computed as the official code does it (roll, partition, full masked softmax,
        // reverse, roll back), against the layer's plan (interior windows without the mask, border windows with it).
        using var scope = NewDisposeScope();
        manual_seed(10);
        const long b = 2, h = 24, w = 32, ws = 8, heads = 2, c = 12;
        using var attention = new WindowAttention(c, ws, heads);
        attention.to(ScalarType.Float64);
        Perturb(attention);
        var qkvMap = randn(new long[] { b, h, w, 3 * c }, dtype: ScalarType.Float64);
        var rpi = WindowGeometry.RelativePositionIndex(ws);
        var table = attention.named_parameters().Single(p => p.name == "relative_position_bias_table").parameter;
        var proj = attention.named_modules().Single(m => m.name == "proj").module as TorchSharp.Modules.Linear;

        // Official.
        var rolled = qkvMap.roll(new long[] { -ws / 2, -ws / 2 }, new long[] { 1, 2 });
        var win = WindowGeometry.Partition(rolled, ws).view(-1, ws * ws, 3 * c);
        var parts = win.reshape(-1, ws * ws, 3, heads, c / heads).permute(2, 0, 3, 1, 4);
        var attn = (parts[0] * Math.Pow(c / heads, -0.5)).matmul(parts[1].transpose(-2, -1));
        attn = attn + table.index_select(0, rpi.view(-1)).view(ws * ws, ws * ws, -1).permute(2, 0, 1).unsqueeze(0);
        var mask = WindowGeometry.ShiftedWindowMask(h, w, ws, ScalarType.Float64, CPU);
        attn = (attn.view(b, -1, heads, ws * ws, ws * ws) + mask.unsqueeze(1).unsqueeze(0)).view(-1, heads, ws * ws, ws * ws).softmax(-1);
        var outWin = proj!.forward(attn.matmul(parts[2]).transpose(1, 2).reshape(-1, ws * ws, c));
        var official = WindowGeometry.Reverse(outWin.view(-1, ws, ws, c), ws, h, w).roll(new long[] { ws / 2, ws / 2 }, new long[] { 1, 2 });

        // Ours.
        var plan = WindowPlan.Create(h, w, ws, ws / 2, ScalarType.Float64, CPU);
        Assert.Equal(12, plan.Windows);
        Assert.Equal(6, plan.Interior);   // 3 × 4 windows; the last row and column have the mask
        var tokens = qkvMap.view(b, h * w, 3 * c).index_select(1, plan.Order).view(-1, ws * ws, 3 * c);
        var ours = attention.Forward(tokens, rpi, plan).view(b, h * w, c).index_select(1, plan.Inverse).view(b, h, w, c);
        Assert.True((ours - official).abs().max().item<double>() <= 1e-13);
    }

    [Theory]
    [InlineData(false, 2, 9, 13)]
    [InlineData(true, 3, 5, 4)]
    public void EveryHeadGivesTheScaledSizeAndTrains(bool light, int scale, int h, int w)
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var config = light ? TinyModels.V2Light(scale) : TinyModels.V2(scale);
        using var net = new MambaIRv2Net(config);
        net.train();
        Assert.True(net.training);
        var y = net.forward(rand(2, 3, h, w));
        Assert.Equal(new long[] { 2, 3, h * scale, w * scale }, y.shape);
        y.abs().mean().backward();
        foreach (var (name, p) in net.named_parameters())
            Assert.True(p.grad is not null && p.grad.isfinite().all().item<bool>(), $"no finite gradient for {name}");
        net.eval();
        Assert.False(net.training);
    }

    [Fact]
    public void NearestConvHeadHasTheOfficialKeysAndUpscalesByFour()
    {
        using var scope = NewDisposeScope();
        using var net = new MambaIRv2Net(TinyModels.V2(4) with { Upsampler = Upsampler.NearestConv });
        var keys = net.state_dict().Keys.Where(k => !k.StartsWith("layers.", StringComparison.Ordinal)).ToArray();
        foreach (var k in new[] { "conv_before_upsample.0.weight", "conv_up1.weight", "conv_up2.weight", "conv_hr.weight", "conv_last.weight" })
            Assert.Contains(k, keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("upsample.", StringComparison.Ordinal));
        net.eval();
        using var _ = no_grad();
        Assert.Equal(new long[] { 1, 3, 28, 36 }, net.forward(rand(1, 3, 7, 9)).shape);
    }

    [Fact]
    public void ThePositionIndexIsAPersistentInt64BufferThatSurvivesDtypeChanges()
    {
        using var net = new MambaIRv2Net(TinyModels.V2());
        net.to(ScalarType.Float64);
        var sd = net.state_dict();
        Assert.Equal(ScalarType.Int64, sd["relative_position_index_SA"].dtype);
        Assert.Equal(new long[] { 64, 64 }, sd["relative_position_index_SA"].shape);
        Assert.DoesNotContain(net.named_parameters(), p => p.name == "relative_position_index_SA");
        using var expected = WindowGeometry.RelativePositionIndex(8);
        Assert.True(sd["relative_position_index_SA"].SameAs(expected));
    }

    [Fact]
    public void ForwardDoesNotLeakTensors()
    {
        using var model = new MambaIRv2Net(TinyModels.V2());
        model.eval();
        using var x = rand(1, 3, 10, 9);
        using var _ = no_grad();
        using (model.forward(x)) { }
        long before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        for (int i = 0; i < 20; i++)
            using (model.forward(x)) { }
        long after = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        Assert.Equal(before, after);
    }

    /// <summary>Moves every weight off its initial value (scale1/2 of 1e-4 and zero biases make the paths hard to tell apart).</summary>
    internal static void Perturb(nn.Module net)
    {
        using var _ = no_grad();
        foreach (var p in net.parameters()) p.add_(randn_like(p) * 0.1);
    }
}
