using MambaIR.Models;
using MambaIR.Training.Optimization;
using MambaIR.Training.Options;
using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using OptimizerOptions = MambaIR.Training.Options.OptimizerOptions;
using static TorchSharp.torch;

namespace MambaIR.Tests.Training;

/// <summary>Losses, Adam/AdamW, LR schedules, EMA, clipping, stochastic depth and pretrained loading against their definitions.</summary>
[Collection("torch")]
public class OptimizationTests
{
    [Fact]
    public void Losses_MatchTheirFormulas()
    {
        manual_seed(1);
        using var x = randn(2, 3, 4, 5);
        using var y = randn(2, 3, 4, 5);
        double[] a = x.data<float>().ToArray().Select(v => (double)v).ToArray(), b = y.data<float>().ToArray().Select(v => (double)v).ToArray();
        double n = a.Length;
        double Reduce(Func<double, double> f, bool sum) { double s = a.Zip(b, (p, q) => f(p - q)).Sum(); return sum ? s : s / n; }
        void Check(LossKind k, double w, LossReduction r, double eps, Func<double, double> f)
        {
            using var l = new PixelLoss(new LossOptions(k, w, r, eps)).Compute(x, y);
            double expected = w * Reduce(f, r == LossReduction.Sum);
            Assert.Equal(expected, l.item<float>(), Math.Abs(expected) * 2e-6);
        }
        Check(LossKind.L1, 1, LossReduction.Mean, 0, Math.Abs);
        Check(LossKind.Mse, 0.5, LossReduction.Sum, 0, d => d * d);
        // The official Charbonnier: sqrt(d² + eps), eps NOT squared (1e-3 → sqrt(d² + 0.001)).
        Check(LossKind.Charbonnier, 1, LossReduction.Mean, 1e-3, d => Math.Sqrt(d * d + 1e-3));
        using var same = new PixelLoss(new LossOptions(LossKind.Charbonnier, 2, LossReduction.Mean, 1e-3)).Compute(x, x);
        Assert.Equal(2 * Math.Sqrt(1e-3), same.item<float>(), 1e-7);
    }

    [Fact]
    public void GradientProfileLoss_MatchesItsDefinition()
    {
        manual_seed(2);
        using var x = rand(2, 3, 5, 7, dtype: ScalarType.Float64);
        using var y = rand(2, 3, 5, 7, dtype: ScalarType.Float64);
        // The definition, element by element: central differences with zero outside the image.
        double[,,,] Map(Tensor t)
        {
            var a = t.data<double>().ToArray();
            int B = 2, C = 3, H = 5, W = 7;
            double At(int b, int c, int i, int j) => i < 0 || j < 0 || i >= H || j >= W ? 0 : a[((b * C + c) * H + i) * W + j];
            var m = new double[B, C, H, W];
            for (int b = 0; b < B; b++) for (int c = 0; c < C; c++) for (int i = 0; i < H; i++) for (int j = 0; j < W; j++)
            {
                double gx = (At(b, c, i, j + 1) - At(b, c, i, j - 1)) / 2, gy = (At(b, c, i - 1, j) - At(b, c, i + 1, j)) / 2;
                m[b, c, i, j] = Math.Sqrt(gx * gx + gy * gy + 1e-6);
            }
            return m;
        }
        var mx = Map(x);
        var my = Map(y);
        using var got = GradientProfileLoss.Map(x);
        var g = got.data<double>().ToArray();
        double sum = 0;
        int k = 0;
        foreach (var (vx, vy) in mx.Cast<double>().Zip(my.Cast<double>()))
        {
            Assert.Equal(vx, g[k++], 1e-12);
            sum += Math.Abs(vx - vy);
        }
        using var mean = new GradientProfileLoss(new GradientLossOptions(0.5, LossReduction.Mean)).Compute(x, y);
        Assert.Equal(0.5 * sum / mx.Length, mean.item<double>(), 1e-12);
        using var total = new GradientProfileLoss(new GradientLossOptions(1, LossReduction.Sum)).Compute(x, y);
        Assert.Equal(sum, total.item<double>(), 1e-9);
        // A constant shift of the image changes its pixels but not its gradients away from the border.
        using var shifted = new GradientProfileLoss(new GradientLossOptions(1, LossReduction.Mean)).Compute(x.narrow(2, 1, 3).narrow(3, 1, 5) + 0.25, x.narrow(2, 1, 3).narrow(3, 1, 5));
        Assert.True(shifted.item<double>() > 0); // the zero border sees the shift …
        using var inner = (GradientProfileLoss.Map(x + 0.25) - GradientProfileLoss.Map(x)).narrow(2, 1, 3).narrow(3, 1, 5).abs().max();
        Assert.True(inner.item<double>() < 1e-12); // … the interior does not
    }

    [Theory]
    [InlineData(OptimizerKind.Adam, 0.0)]
    [InlineData(OptimizerKind.Adam, 0.01)]
    [InlineData(OptimizerKind.AdamW, 0.01)]
    public void Adam_FollowsItsDefinition(OptimizerKind kind, double wd)
    {
        manual_seed(2);
        var p = new Parameter(randn(17, dtype: ScalarType.Float64));
        var opt = new AdamOptimizer([("w", p)], new OptimizerOptions(kind, 1e-2, 0.9, 0.99, wd, 1e-8));
        double[] w = p.data<double>().ToArray(), m = new double[17], v = new double[17];
        for (int t = 1; t <= 6; t++)
        {
            using var g = randn(17, dtype: ScalarType.Float64);
            double[] gd = g.data<double>().ToArray();
            opt.ZeroGrad();
            p.grad = g.clone();
            double lr = 1e-2 / t;
            opt.Lr = lr;
            opt.Step();
            for (int i = 0; i < 17; i++)
            {
                double gi = gd[i];
                if (kind == OptimizerKind.AdamW) w[i] *= 1 - lr * wd;
                else gi += wd * w[i];
                m[i] = 0.9 * m[i] + 0.1 * gi;
                v[i] = 0.99 * v[i] + 0.01 * gi * gi;
                double mh = m[i] / (1 - Math.Pow(0.9, t)), vh = v[i] / (1 - Math.Pow(0.99, t));
                w[i] -= lr * mh / (Math.Sqrt(vh) + 1e-8);
            }
            var got = p.data<double>().ToArray();
            for (int i = 0; i < 17; i++) Assert.Equal(w[i], got[i], 1e-12);
        }
        opt.Dispose();
    }

    [Fact]
    public void Adam_MatchesTorchSharpsAdam_AndStateRoundTripsExactly()
    {
        manual_seed(3);
        using var init = randn(33);
        var p1 = new Parameter(init.clone());
        var p2 = new Parameter(init.clone());
        var mine = new AdamOptimizer([("w", p1)], new OptimizerOptions(OptimizerKind.Adam, 1e-3, 0.9, 0.99, 0, 1e-8));
        var theirs = optim.Adam([p2], lr: 1e-3, beta1: 0.9, beta2: 0.99);
        var grads = Enumerable.Range(0, 8).Select(_ => randn(33)).ToArray();
        for (int t = 0; t < 8; t++)
        {
            mine.ZeroGrad(); p1.grad = grads[t].clone(); mine.Step();
            theirs.zero_grad(); p2.grad = grads[t].clone(); theirs.step();
        }
        Assert.True(allclose(p1, p2, rtol: 1e-5, atol: 1e-7), "Adam differs from TorchSharp's torch.optim.Adam");

        // Export after 4 steps, import into a fresh optimiser, continue: bit-identical to continuing directly.
        var a = new Parameter(init.clone());
        var b = new Parameter(init.clone());
        var o1 = new AdamOptimizer([("w", a)], new OptimizerOptions(OptimizerKind.Adam, 1e-3, 0.9, 0.99, 0, 1e-8));
        for (int t = 0; t < 4; t++) { o1.ZeroGrad(); a.grad = grads[t].clone(); o1.Step(); }
        using (no_grad()) b.copy_(a);
        var o2 = new AdamOptimizer([("w", b)], new OptimizerOptions(OptimizerKind.Adam, 1e-3, 0.9, 0.99, 0, 1e-8));
        o2.Load(o1.State, "test");
        for (int t = 4; t < 8; t++)
        {
            o1.ZeroGrad(); a.grad = grads[t].clone(); o1.Step();
            o2.ZeroGrad(); b.grad = grads[t].clone(); o2.Step();
        }
        Assert.True(TensorAssert.Same(a, b));
    }

    [Fact]
    public void MultiStepLr_EqualsBasicSrAtTheMilestones_WithTheOneIterationLag()
    {
        // The official classic ×2 schedule.
        long[] milestones = [250000, 400000, 450000, 475000];
        var s = new LrSchedule(new SchedulerOptions { Kind = SchedulerKind.MultiStep, Milestones = milestones, Gamma = 0.5 }, 2e-4);
        // Independent definition: BasicSR steps the scheduler from iteration 2 on, so at iteration t last_epoch = t − 1 and
        // lr(t) = lr0 · γ^(number of milestones m with m ≤ t − 1).
        static double Expected(long t, long[] ms) => 2e-4 * Math.Pow(0.5, ms.Count(m => m <= t - 1));
        var checks = new HashSet<long> { 1, 2, 3, 1000 };
        foreach (var m in milestones) { checks.Add(m - 1); checks.Add(m); checks.Add(m + 1); checks.Add(m + 2); }
        checks.Add(500000);
        for (long t = 1; t <= 500000; t++)
        {
            double lr = s.Update(t);
            if (checks.Contains(t)) Assert.True(Expected(t, milestones) == lr, $"iteration {t}: {lr} vs {Expected(t, milestones)}");
        }
        // Spot values: the halving first applies at iteration 250001.
        var s2 = new LrSchedule(new SchedulerOptions { Kind = SchedulerKind.MultiStep, Milestones = [3], Gamma = 0.1, Restarts = [0], RestartWeights = [1] }, 1.0);
        Assert.Equal(new[] { 1.0, 1.0, 1.0, 0.1, 0.1 }, Enumerable.Range(1, 5).Select(t => s2.Update(t)).ToArray(), new ToleranceComparer(1e-15));
    }

    [Fact]
    public void Warmup_AndCosineCyclic_AsBasicSrAndRestormer()
    {
        // BasicSR's linear warm-up writes initial/warmup·t over the group lr for t < warmup; MultiStepLR is chainable,
        // so afterwards the lr stays at the last warm-up value (BasicSR's behaviour) until a milestone.
        var w = new LrSchedule(new SchedulerOptions { Kind = SchedulerKind.MultiStep, Milestones = [6], Gamma = 0.5 }, 1e-3, warmupIter: 4);
        double[] lrs = Enumerable.Range(1, 8).Select(t => w.Update(t)).ToArray();
        Assert.Equal(new[] { 1e-3 / 4 * 1, 1e-3 / 4 * 2, 1e-3 / 4 * 3, 1e-3 / 4 * 3, 1e-3 / 4 * 3, 1e-3 / 4 * 3, 1e-3 / 4 * 3 * 0.5, 1e-3 / 4 * 3 * 0.5 }, lrs);

        // The real-denoising schedule: periods [92000, 208000], eta_mins [3e-4, 1e-6], restart weights [1, 1], base 3e-4.
        var c = new LrSchedule(new SchedulerOptions { Kind = SchedulerKind.CosineAnnealingRestartCyclic, Periods = [92000, 208000], RestartWeights = [1, 1], EtaMins = [3e-4, 1e-6] }, 3e-4);
        static double Expected(long e)
        {
            if (e <= 92000) return 3e-4;                                        // eta_min = base: constant
            return 1e-6 + 0.5 * (3e-4 - 1e-6) * (1 + Math.Cos(Math.PI * (e - 92000) / 208000.0));
        }
        for (long t = 1; t <= 300000; t++)
        {
            double lr = c.Update(t);
            if (t is 1 or 2 or 92000 or 92001 or 92002 or 150000 or 196001 or 299999 or 300000)
                Assert.Equal(Expected(t - 1), lr, 1e-15);
        }
        Assert.Equal(1e-6, c.Lr, 1e-9);
    }

    [Fact]
    public void Ema_EqualsItsDefinition()
    {
        manual_seed(4);
        var cfg = new MambaIRConfig { Upscale = 2, EmbedDim = 30, Depths = [1], DState = 4, MlpRatio = 1.2, Upsampler = Upsampler.PixelShuffleDirect };
        using var net = new MambaIRNet(cfg);
        using var ema = new MambaIRNet(cfg);
        var e = new ModelEma(ema, net, 0.9);
        e.CopyFrom();
        var expected = net.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray().Select(v => (double)v).ToArray());
        for (int step = 0; step < 3; step++)
        {
            using (no_grad()) foreach (var p in net.parameters()) p.add_(randn_like(p) * 0.1);
            e.Update();
            foreach (var (name, p) in net.named_parameters())
            {
                var cur = p.data<float>().ToArray();
                var ex = expected[name];
                for (int i = 0; i < ex.Length; i++) ex[i] = 0.9 * ex[i] + 0.1 * cur[i];
            }
        }
        foreach (var (name, p) in ema.named_parameters())
        {
            var got = p.data<float>().ToArray();
            var ex = expected[name];
            for (int i = 0; i < ex.Length; i++) Assert.Equal(ex[i], got[i], 1e-6 * Math.Max(1, Math.Abs(ex[i])));
        }
    }

    [Fact]
    public void GradientClipping_IsClipGradNorm()
    {
        var a = new Parameter(zeros(3)); a.grad = tensor(new float[] { 3, 0, 0 });
        var b = new Parameter(zeros(2)); b.grad = tensor(new float[] { 0, 4 });
        double total = GradientClipping.ClipGradNorm([a, b], 0.01);
        Assert.Equal(5.0, total, 1e-6);
        double coef = 0.01 / (5 + 1e-6);
        Assert.Equal(3 * coef, a.grad!.data<float>()[0], 1e-9);
        Assert.Equal(4 * coef, b.grad!.data<float>()[1], 1e-9);
    }

    [Fact]
    public void DropPath_ActsOnlyInTraining_WithTheOfficialRates()
    {
        Assert.Equal(new[] { 0.0, 0.1f / 3, 0.2f / 3, 0.1f }, DropPath.Rates(0.1, [2, 2]), new ToleranceComparer(1e-8));
        using var x = ones(4000, 2, 2, 3);
        Assert.Same(x, DropPath.Apply(x, 0.25, training: false));
        using var y = DropPath.Apply(x, 0.25, training: true);
        var perSample = y.reshape(4000, -1);
        using var kept = perSample[.., 0].ne(0);
        double keptShare = kept.to(ScalarType.Float64).mean().item<double>();
        Assert.InRange(keptShare, 0.72, 0.78);
        Assert.Equal(1 / 0.75, perSample.max().item<float>(), 1e-5);
        Assert.True(perSample.eq(perSample[.., 0].unsqueeze(1)).all().item<bool>()); // whole samples are dropped
    }

    [Fact]
    public void Pretrained_NonStrict_SkipsExactlyTheMismatchedKeys()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            var x2 = new MambaIRConfig { Upscale = 2, EmbedDim = 30, Depths = [1, 1], DState = 4, MlpRatio = 1.2, Upsampler = Upsampler.PixelShuffleDirect };
            string pth = MambaIR.Tests.Models.TinyModels.WritePth(x2, dir);
            using var x3 = new MambaIRNet(x2 with { Upscale = 3 });
            var before = x3.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
            var report = PretrainedWeights.Load(x3, pth, "params", strict: false);
            Assert.Equal(new[] { "[upsample.0.weight]: crt_net: (27, 30, 3, 3); load_net: (12, 30, 3, 3)", "[upsample.0.bias]: crt_net: (27); load_net: (12)" }, report.SkippedShape);
            Assert.Empty(report.Missing);
            Assert.Empty(report.Unexpected);
            using var src = MambaIR.Checkpoints.Checkpoint.Load(pth, "params");
            foreach (var (k, t) in x3.state_dict())
            {
                if (k.StartsWith("upsample.0", StringComparison.Ordinal)) Assert.True(TensorAssert.Same(t, before[k]), k); // kept as initialised
                else Assert.True(TensorAssert.Same(t, src[k]), k);                                                       // loaded
            }
            Assert.Equal(src.Count - 2, report.Loaded);
            var strict = Assert.Throws<MambaIR.Checkpoints.CheckpointException>(() => PretrainedWeights.Load(x3, pth, "params", strict: true));
            Assert.Contains("upsample.0.weight", strict.Message);
            // Another architecture: a grey restoration network shares almost nothing by shape.
            using var other = new MambaIRNet(new MambaIRConfig { Upscale = 1, InChans = 1, EmbedDim = 36, Depths = [1, 1], DState = 4, Upsampler = Upsampler.None });
            var arch = Assert.Throws<MambaIR.Checkpoints.CheckpointException>(() => PretrainedWeights.Load(other, pth, "params", strict: false));
            Assert.Contains("another architecture", arch.Message);
            Assert.Contains(pth, arch.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    sealed class ToleranceComparer(double tol) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tol;
        public int GetHashCode(double d) => 0;
    }
}
