using MambaIR.Training.Options;

namespace MambaIR.Tests.Training;

/// <summary>The official and shipped option files load; YAML values resolve as PyYAML (YAML 1.1) resolves them; BasicSR overrides.</summary>
public class OptionFileTests
{
    static string Official => Path.Combine(TestPaths.Shared, "official-options");

    public static IEnumerable<object[]> OfficialTrainFiles() =>
        Directory.EnumerateFiles(Path.Combine(TestPaths.Shared, "official-options", "train"), "*.yml", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(TestPaths.Shared, "official-options", "realDenoising"), "*.yml"))
            .OrderBy(f => f, StringComparer.Ordinal).Select(f => new object[] { Path.GetRelativePath(Path.Combine(TestPaths.Shared, "official-options"), f) });

    [Theory]
    [MemberData(nameof(OfficialTrainFiles))]
    public void OfficialTrainingFile_LoadsAsItIs(string relative)
    {
        var o = TrainOptionsLoader.Load(Path.Combine(Official, relative));
        Assert.False(string.IsNullOrEmpty(o.Name));
        Assert.True(o.TotalIter > 0);
        if (relative.Contains("mambairv2", StringComparison.Ordinal))
        {
            // MambaIRv2 / v2-light: trainable as written; only the data paths point at the authors' machines.
            Assert.Empty(o.Problems);
            var v2 = Assert.IsType<MambaIR.Models.V2.MambaIRv2Config>(o.Network.Config);
            Assert.Equal(o.ModelType == "MambaIRv2LightModel", v2.Light);
            Assert.Equal(o.Scale, v2.Scale);
            Assert.Equal(16, v2.WindowSize);
            Assert.DoesNotContain(o.UnusedKeys, k => k.StartsWith("network_g", StringComparison.Ordinal));   // window_size, num_heads... are v2 arguments
            Assert.Null(o.Train!.Progressive);
        }
        else if (relative.Contains("realDenoising", StringComparison.Ordinal))
        {
            Assert.Empty(o.Problems);
            Assert.Equal("ImageCleanModel", o.ModelType);
            Assert.IsType<MambaIR.Models.UNet.MambaIRUNetConfig>(o.Network.Config);
            var prog = o.Train!.Progressive!;
            Assert.Equal(new[] { 8, 5, 4, 2, 1, 1 }, prog.MiniBatchSizes);
            Assert.Equal(new long[] { 92000, 64000, 48000, 36000, 36000, 24000 }, prog.Iters);
            Assert.Equal(new[] { 128, 160, 192, 256, 320, 384 }, prog.GtSizes);
            Assert.Equal(384, o.Train.GtSize);
            Assert.True(o.Train.RestormerPairs && o.Train.GeometricAugs);
            Assert.Equal(new MixupOptions(1.2, true), o.Mixup);
            Assert.Equal(SchedulerKind.CosineAnnealingRestartCyclic, o.Scheduler!.Kind);
            Assert.Equal(new long[] { 92000, 208000 }, o.Scheduler.Periods);
            Assert.Equal(new[] { 0.0003, 0.000001 }, o.Scheduler.EtaMins);
            Assert.Equal(OptimizerKind.AdamW, o.Optimizer!.Kind);
            Assert.Equal((0.9, 0.999, 1e-4), (o.Optimizer.Beta1, o.Optimizer.Beta2, o.Optimizer.WeightDecay));
            Assert.True(o.UseGradClip);
        }
        else
        {
            // MambaIR v1: everything is trainable; only the data paths point at the authors' machines.
            Assert.Empty(o.Problems);
            Assert.NotNull(o.Network.Config);
            Assert.Equal(0.1, o.Network.DropPathRate);
            Assert.Equal(OptimizerKind.Adam, o.Optimizer!.Kind);
            Assert.Equal((0.9, 0.99), (o.Optimizer.Beta1, o.Optimizer.Beta2));
            Assert.Equal(5000, o.Val!.ValFreq);
            Assert.Equal(5000, o.Logger.SaveCheckpointFreq);
            // Keys only distributed training reads are listed, once, with the reason.
            // (an unread mapping is listed as one entry)
            Assert.Single(o.UnusedKeys, k => k.StartsWith("dist_params", StringComparison.Ordinal));
            Assert.Contains("dist_params (distributed training only)", o.UnusedKeys);
            Assert.Contains(o.UnusedKeys, k => k.StartsWith("logger:wandb (Weights & Biases logging is not supported", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void OfficialClassicX2_ValuesAreBasicSrs()
    {
        var o = TrainOptionsLoader.Load(Path.Combine(Official, "train", "mambair", "train_MambaIR_SR_x2.yml"));
        Assert.Equal("MambaIR_SR_x2", o.Name);
        Assert.Equal(2, o.Scale);
        Assert.Equal(8, o.NumGpu);
        Assert.Equal(32, o.BatchSize); // 4 per GPU × 8 GPUs, BasicSR's non-distributed batch
        Assert.Equal(10, o.ManualSeed);
        Assert.Equal(new[] { "/data2/guohang/dataset/DF2K/DF2K/HR" }, o.Train!.DatarootGt);   // a YAML list
        Assert.Equal("{}x2", o.Train.FilenameTemplate);
        Assert.Equal(128, o.Train.GtSize);
        Assert.Equal(100, o.Train.DatasetEnlargeRatio);
        Assert.Equal(new long[] { 250000, 400000, 450000, 475000 }, o.Scheduler!.Milestones); // the line after has full-width commas in a comment
        Assert.Equal(2e-4, o.Optimizer!.Lr);
        Assert.Equal(LossKind.L1, o.PixelLoss!.Kind);
        Assert.Equal(new MetricOptions("psnr", MetricKind.Psnr, 2, true, true), o.Val!.Metrics.Single());
        var c = o.Network.V1!;
        Assert.Equal((180, 16, 2.0), (c.EmbedDim, c.DState, c.MlpRatio));
        Assert.Equal(new[] { 6, 6, 6, 6, 6, 6 }, c.Depths);
        Assert.Equal("Set14", o.ValidationSets.Single().Name);
    }

    [Fact]
    public void OfficialFineTuneAndDenoiseFiles_KeepTheirSettings()
    {
        var x4 = TrainOptionsLoader.Load(Path.Combine(Official, "train", "mambair", "train_MambaIR_SR_x4.yml"));
        Assert.False(x4.StrictLoadG);
        Assert.Equal("/data1/guohang/pretrained/SR_MambaIR_x2.pth", x4.PretrainNetworkG);
        Assert.Contains(x4.UnusedKeys, k => k.StartsWith("network_g:window_size (not a MambaIR v1 argument", StringComparison.Ordinal));
        var dn = TrainOptionsLoader.Load(Path.Combine(Official, "train", "mambair", "train_MambaIR_ColorDN_level15.yml"));
        Assert.Equal(DegradationTask.ColorDenoising, dn.Train!.Task);
        Assert.Equal(15, dn.Train.Noise);
        Assert.Null(dn.Train.DatarootLq);
        Assert.Equal(new LossOptions(LossKind.Charbonnier, 1.0, LossReduction.Mean, 1e-3), dn.PixelLoss);
        var car = TrainOptionsLoader.Load(Path.Combine(Official, "train", "mambair", "train_MambaIR_CAR_q10.yml"));
        Assert.Equal(DegradationTask.JpegArtifactRemoval, car.Train!.Task);
        Assert.Equal(1, car.Network.Config!.InChans);
        Assert.Equal(42, car.ManualSeed);
    }

    public static IEnumerable<object[]> AllYamlFiles() =>
        Directory.EnumerateFiles(Path.Combine(TestPaths.Shared, "official-options"), "*.yml", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "options"), "*.yml", SearchOption.AllDirectories))
            .OrderBy(f => f, StringComparer.Ordinal).Select(f => new object[] { f });

    [Theory]
    [MemberData(nameof(AllYamlFiles))]
    public void EveryOptionFile_Parses(string file)
    {
        var tree = YamlOptionReader.ReadFile(file);
        Assert.True(tree.Contains("name"));
        Assert.True(tree.Contains("network_g"));
    }

    public static IEnumerable<object[]> ShippedTrainFiles() =>
        Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "options", "train"), "*.yml", SearchOption.AllDirectories)
            .OrderBy(f => f, StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) });

    [Theory]
    [MemberData(nameof(ShippedTrainFiles))]
    public void ShippedTrainingFile_IsTrainable(string file)
    {
        string path = Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "options", "train"), file, SearchOption.AllDirectories).Single();
        var o = TrainOptionsLoader.Load(path);
        Assert.Empty(o.Problems);
        Assert.NotNull(o.Network.Config);
        foreach (var root in o.Train!.DatarootGt)
            Assert.DoesNotContain("/data", root.Replace("datasets/", ""), StringComparison.Ordinal); // no author paths left
    }

    [Fact]
    public void Yaml11_Resolution_AsPyYaml()
    {
        var m = YamlOptionReader.Parse("""
            a: !!float 5e3
            b: 5e3
            c: 1.
            d: ~
            e:
            f: yes
            g: Off
            h: 0755
            i: 0x1f
            j: 1_000
            k: '1.5'
            l: 2.0e-4
            m: 2.0e4
            n: .inf
            o: -.5
            p: [1, 2.5, x, null]
            q: !!int "12"
            r: !!str 12
            s: 190:20:30
            t: 1e-4 # a comment，with full-width commas，
            """);
        Assert.Equal(5000.0, m.Get("a"));
        Assert.Equal("5e3", m.Get("b"));        // YAML 1.1 floats need a dot: a plain 5e3 is a string
        Assert.Equal(1.0, m.Get("c"));
        Assert.Null(m.Get("d"));
        Assert.Null(m.Get("e"));
        Assert.Equal(true, m.Get("f"));
        Assert.Equal(false, m.Get("g"));
        Assert.Equal(493L, m.Get("h"));          // octal
        Assert.Equal(31L, m.Get("i"));
        Assert.Equal(1000L, m.Get("j"));
        Assert.Equal("1.5", m.Get("k"));
        Assert.Equal(2e-4, m.Get("l"));
        Assert.Equal("2.0e4", m.Get("m"));      // the exponent needs a sign in YAML 1.1
        Assert.Equal(double.PositiveInfinity, m.Get("n"));
        Assert.Equal("-.5", m.Get("o"));       // PyYAML too: a signed float needs a digit before the dot
        Assert.Equal(new object?[] { 1L, 2.5, "x", null }, (OptionList)m.Get("p")!);
        Assert.Equal(12L, m.Get("q"));
        Assert.Equal("12", m.Get("r"));
        Assert.Equal(190L * 3600 + 20 * 60 + 30, m.Get("s")); // base 60
        Assert.Equal("1e-4", m.Get("t"));
        Assert.Equal(1e-4, OptionValues.ToDouble("t", m.Get("t"))); // numeric reads accept such strings
    }

    [Fact]
    public void Overrides_FollowBasicSrValueParsing()
    {
        Assert.Null(OptionOverride.PostprocessValue("~"));
        Assert.Null(OptionOverride.PostprocessValue("None"));
        Assert.Equal(true, OptionOverride.PostprocessValue("TRUE"));
        Assert.Equal(100L, OptionOverride.PostprocessValue("100"));
        Assert.Equal(0.5, OptionOverride.PostprocessValue("0.5"));
        Assert.Equal(1e-4, OptionOverride.PostprocessValue("!!float 1e-4"));
        Assert.Equal("-1", OptionOverride.PostprocessValue("-1"));          // not all digits: a string, as in BasicSR
        Assert.Equal("1e-4", OptionOverride.PostprocessValue("1e-4"));
        Assert.Equal(new object?[] { 1L, 2.5, "a", true, null }, (OptionList)OptionOverride.PostprocessValue("[1, 2.5, 'a', True, None]")!);
        Assert.Equal("/data/HR", OptionOverride.PostprocessValue("/data/HR"));

        var o = TrainOptionsLoader.Load(Path.Combine(Official, "train", "mambair", "train_MambaIR_SR_x2.yml"),
            ["datasets:train:dataroot_gt=/data/HR", "train:total_iter=100", "train:optim_g:lr=!!float 1e-4", "train:warmup_iter=-1",
             "train:scheduler:milestones=[50, 80]", "val:val_freq=10", "datasets:val:dataroot_lq=~"]);
        Assert.Equal(new[] { "/data/HR" }, o.Train!.DatarootGt);
        Assert.Equal(100, o.TotalIter);
        Assert.Equal(1e-4, o.Optimizer!.Lr);
        Assert.Equal(-1, o.WarmupIter);
        Assert.Equal(new long[] { 50, 80 }, o.Scheduler!.Milestones);
        Assert.Equal(10, o.Val!.ValFreq);
        Assert.Null(o.ValidationSets[0].DatarootLq);

        var e = Assert.Throws<OptionException>(() => TrainOptionsLoader.Load(Path.Combine(Official, "train", "mambair", "train_MambaIR_SR_x2.yml"), ["train:nothere:lr=1"]));
        Assert.Equal("train:nothere", e.Key);
        Assert.Throws<ArgumentException>(() => OptionOverride.Parse("train:total_iter"));
    }

    [Fact]
    public void UnsupportedValues_AreErrorsNamingTheKey()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string path = TrainingTestData.WriteOptions(dir, "/nowhere");
            var o = TrainOptionsLoader.Load(path, ["train:pixel_opt:type=PerceptualLoss", "train:scheduler:type=StepLR", "train:optim_g:type=SGD", "network_g:type=SwinIR"]);
            Assert.Contains(o.Problems, p => p.StartsWith("train:pixel_opt:type: loss 'PerceptualLoss' is not supported", StringComparison.Ordinal));
            Assert.Contains(o.Problems, p => p.StartsWith("train:scheduler:type: scheduler 'StepLR'", StringComparison.Ordinal));
            Assert.Contains(o.Problems, p => p.StartsWith("train:optim_g:type: optimiser 'SGD'", StringComparison.Ordinal));
            Assert.Contains(o.Problems, p => p.StartsWith("network_g:type: 'SwinIR'", StringComparison.Ordinal));
            var e = Assert.Throws<OptionException>(() => TrainOptionsLoader.Load(path, ["train:total_iter=many"]));
            Assert.Equal("train:total_iter", e.Key);
            Assert.Contains("'many'", e.Message);
            var yaml = Path.Combine(dir, "bad.yml");
            File.WriteAllText(yaml, "name: x\ntrain: [unclosed\n");
            var y = Assert.Throws<InvalidDataException>(() => TrainOptionsLoader.Load(yaml));
            Assert.Contains("bad.yml:", y.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void GradientOpt_ParsesAndBadValuesNameTheKey()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string path = TrainingTestData.WriteOptions(dir, "/nowhere");
            string text = File.ReadAllText(path);
            File.WriteAllText(path, text.Replace("\ntrain:\n", "\ntrain:\n  gradient_opt:\n    type: GradientProfileLoss\n    loss_weight: 0.25\n"));
            var o = TrainOptionsLoader.Load(path);
            Assert.Equal(new GradientLossOptions(0.25, LossReduction.Mean), o.GradientLoss);
            Assert.DoesNotContain(o.UnusedKeys, k => k.Contains("gradient_opt", StringComparison.Ordinal));
            var bad = TrainOptionsLoader.Load(path, ["train:gradient_opt:type=SobelLoss"]);
            Assert.Contains(bad.Problems, p => p.StartsWith("train:gradient_opt:type: loss 'SobelLoss' is not supported", StringComparison.Ordinal));
            var e = Assert.Throws<OptionException>(() => TrainOptionsLoader.Load(path, ["train:gradient_opt:loss_weight=-1"]));
            Assert.Equal("train:gradient_opt:loss_weight", e.Key);
            Assert.Null(TrainOptionsLoader.Load(Path.Combine(Official, "train", "mambair", "train_MambaIR_SR_x2.yml")).GradientLoss);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void DebugMode_AsBasicSr()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string path = TrainingTestData.WriteOptions(dir, "/nowhere");
            var o = TrainOptionsLoader.Load(path, debug: true);
            Assert.Equal("debug_tiny", o.Name);
            Assert.Equal((1, 8), (o.Logger.PrintFreq, o.Logger.SaveCheckpointFreq));
            Assert.Equal(8, o.Val!.ValFreq);
            var seedless = TrainOptionsLoader.FromTree(YamlOptionReader.ReadFile(path).Also(m => m.Remove("manual_seed")), path, seedSource: new Random(3));
            Assert.True(seedless.SeedWasChosen);
            Assert.InRange(seedless.ManualSeed, 1, 10000);
        }
        finally { Directory.Delete(dir, true); }
    }
}

static class OptionMapTestExtensions
{
    public static OptionMap Also(this OptionMap m, Action<OptionMap> a) { a(m); return m; }
}
