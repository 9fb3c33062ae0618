using System.Diagnostics;
using System.Text.Json;
using MambaIR.Checkpoints;
using MambaIR.Models;
using MambaIR.Training.Logging;
using MambaIR.Training.Loop;
using MambaIR.Training.Options;
using static TorchSharp.torch;

namespace MambaIR.Tests.Training;

/// <summary>End-to-end training on tiny models: the loss goes down, resume is bit-identical, checkpoints have the official keys, failures stop cleanly.</summary>
[Collection("global-rng")]
public class TrainerTests
{
    static TrainingResult Train(string opt, string root, bool autoResume = false, long? stopAfter = null, params string[] overrides) =>
        Trainer.Train(TrainOptionsLoader.Load(opt, overrides), new TrainingRun { ExperimentsRoot = root, AutoResume = autoResume, StopAfterIteration = stopAfter });

    [Fact]
    public void FewSteps_OnATinyDataset_ReduceTheLoss()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 6);
            string opt = TrainingTestData.WriteOptions(dir, hr, totalIter: 40, saveFreq: 40, lr: 2e-3, batch: 4);
            var r = Train(opt, Path.Combine(dir, "exp"));
            Assert.True(r.Completed);
            Assert.Equal(40, r.Losses.Count);
            double first = r.Losses.Take(5).Average(l => l.Loss), last = r.Losses.TakeLast(5).Average(l => l.Loss);
            Assert.True(last < 0.6 * first, $"loss {first} → {last}");
            Assert.True(File.Exists(Path.Combine(r.ExperimentFolder, "models", "net_g_latest.pth")));
            Assert.True(File.Exists(Path.Combine(r.ExperimentFolder, "training_states", "40.state")));
            Assert.Single(Directory.GetFiles(r.ExperimentFolder, "train_tiny_*.log"));
            Assert.StartsWith("# GENERATE TIME:", File.ReadAllLines(Path.Combine(r.ExperimentFolder, "tiny.yml"))[0]);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Resume_AfterAnInterruption_IsBitIdentical()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 5);
            // EMA on, stochastic depth at its default 0.1 (draws from the torch generator), 2 loader threads.
            string opt = TrainingTestData.WriteOptions(dir, hr, totalIter: 12, saveFreq: 4, ema: 0.9);
            var full = Train(opt, Path.Combine(dir, "a"));
            // Interrupted after iteration 6: the last state is at 4, so 5 and 6 are redone after resuming —
            // with 0 loader threads this time, which must not change anything.
            var first = Train(opt, Path.Combine(dir, "b"), stopAfter: 6);
            Assert.False(first.Completed);
            Assert.Equal(6, first.Iteration);
            var second = Train(opt, Path.Combine(dir, "b"), autoResume: true, overrides: ["datasets:train:num_worker_per_gpu=0"]);
            Assert.Equal(4, second.ResumedFrom);
            Assert.True(second.Completed);
            Assert.Equal(full.Losses.Take(6), first.Losses);                  // same run up to the interruption
            Assert.Equal(full.Losses.Skip(4), second.Losses);                 // and after resuming, bit for bit
            AssertSameWeights(Path.Combine(full.ExperimentFolder, "models", "net_g_latest.pth"), Path.Combine(second.ExperimentFolder, "models", "net_g_latest.pth"));
            AssertSameWeights(Path.Combine(full.ExperimentFolder, "models", "net_g_8.pth"), Path.Combine(second.ExperimentFolder, "models", "net_g_8.pth"));
            // The CSV of the resumed run reads as one uninterrupted run.
            Assert.Equal(TrainingCsv.ReadLosses(Path.Combine(full.ExperimentFolder, TrainingCsv.TrainFile)),
                         TrainingCsv.ReadLosses(Path.Combine(second.ExperimentFolder, TrainingCsv.TrainFile)));
        }
        finally { Directory.Delete(dir, true); }
    }

    internal static void AssertSameWeights(string a, string b)
    {
        foreach (var key in new[] { "params", "params_ema" })
        {
            bool hasA = HasKey(a, key);
            Assert.Equal(hasA, HasKey(b, key));
            if (!hasA) continue;
            using var x = Checkpoint.Load(a, key);
            using var y = Checkpoint.Load(b, key);
            Assert.Equal(x.Keys, y.Keys);
            foreach (var k in x.Keys) Assert.True(TensorAssert.Same(x[k], y[k]), $"{key}.{k} differs");
        }
    }

    static bool HasKey(string path, string key)
    {
        try { using var _ = Checkpoint.Load(path, key); return true; }
        catch (CheckpointKeyNotFoundException) { return false; }
    }

    [Fact]
    public void KillMinus9_ThenAutoResume_IsBitIdentical()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 5);
            string opt = TrainingTestData.WriteOptions(dir, hr, totalIter: 240, saveFreq: 4, ema: 0.9);
            var reference = Train(opt, Path.Combine(dir, "ref"));
            string root = Path.Combine(dir, "cli");
            string states = Path.Combine(root, "tiny", "training_states");
            using (var p = StartCli("train", "-opt", opt, "--experiments-root", root, "--device", "cpu", "--quiet"))
            {
                var sw = Stopwatch.StartNew();
                while (!File.Exists(Path.Combine(states, "8.state")) && !p.HasExited && sw.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(20);
                if (p.HasExited) Assert.Fail("the training process ended before it could be killed: " + p.StandardError.ReadToEnd());
                string seen = string.Join(",", Directory.GetFiles(states).Select(Path.GetFileName));
                Process.Start("kill", ["-9", p.Id.ToString()])!.WaitForExit();   // SIGKILL: no chance to clean up
                p.WaitForExit();
                Assert.True(p.ExitCode == 137 || p.ExitCode == -1 || p.ExitCode == 9, $"exit code {p.ExitCode}; states when killed: {seen}; now: {string.Join(",", Directory.GetFiles(states).Select(Path.GetFileName))}");
            }
            Assert.False(File.Exists(Path.Combine(root, "tiny", "models", "net_g_latest.pth")));
            using (var p = StartCli("train", "-opt", opt, "--experiments-root", root, "--device", "cpu", "--quiet", "--auto_resume"))
            {
                string stdout = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, stdout + p.StandardError.ReadToEnd());
                Assert.Contains("Resuming training from epoch", stdout);
            }
            AssertSameWeights(Path.Combine(reference.ExperimentFolder, "models", "net_g_latest.pth"), Path.Combine(root, "tiny", "models", "net_g_latest.pth"));
            Assert.Equal(TrainingCsv.ReadLosses(Path.Combine(reference.ExperimentFolder, TrainingCsv.TrainFile)),
                         TrainingCsv.ReadLosses(Path.Combine(root, "tiny", TrainingCsv.TrainFile)));
        }
        finally { Directory.Delete(dir, true); }
    }

    static Process StartCli(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "MambaIR.Cli.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    public static IEnumerable<object[]> RefVecArchitectures() => new[] { "v1_classic_x2", "v1_light_x3", "v1_dn_gray" }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(RefVecArchitectures))]
    public void Checkpoint_HasExactlyTheOfficialStateDictKeys_AndReloads(string refvec)
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RefVec, refvec + ".json")));
            var kwargs = json.RootElement.GetProperty("kwargs");
            var config = MambaIRConfig.FromJson(kwargs);
            string net = string.Join("\n", kwargs.EnumerateObject().Select(p => $"  {p.Name}: {p.Value.GetRawText()}").Prepend("  type: MambaIR"));
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 2, width: 24, height: 24);
            string opt = TrainingTestData.WriteOptions(dir, hr, totalIter: 1, saveFreq: 1, ema: 0.99, network: net, gtSize: 6 * config.Scale);
            string[] overrides = [$"scale={config.Scale}", "datasets:train:batch_size_per_gpu=1"];
            if (config.InChans == 1)
            {
                // A grey restoration network: JPEG artifact removal pairs (grey GT, .jpg LQ).
                string lq = Path.Combine(dir, "lq");
                Directory.CreateDirectory(lq);
                foreach (var f in Directory.GetFiles(hr))
                    File.WriteAllBytes(Path.Combine(lq, Path.GetFileNameWithoutExtension(f) + ".jpg"), MambaIR.Imaging.JpegCodec.Encode(MambaIR.Imaging.ImageFile.Read(f).ToGreyOpenCv(), 30));
                overrides = [.. overrides, "datasets:train:task=CAR", $"datasets:train:dataroot_lq=['{lq}']"];
            }
            var r = Train(opt, Path.Combine(dir, "exp"), overrides: overrides);
            string ckpt = Path.Combine(r.ExperimentFolder, "models", "net_g_1.pth");
            using var official = Checkpoint.Load(Path.Combine(TestPaths.RefVec, refvec + ".pth"), "params");
            using (var ours = Checkpoint.Load(ckpt, "params"))
            {
                Assert.Equal(official.Keys, ours.Keys);   // same keys, same order: torch's load_state_dict(strict=True) accepts it
                foreach (var k in official.Keys) Assert.Equal(official[k].shape, ours[k].shape);
            }
            using (var ema = Checkpoint.Load(ckpt, "params_ema")) Assert.Equal(official.Keys, ema.Keys);
            using var loaded = ModelLoader.Load(ckpt);
            Assert.Equal(config, loaded.Config);
            Assert.Equal("params_ema", loaded.ParamKey);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TimeLimit_SavesAResumableStateAndStops()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 3);
            string opt = TrainingTestData.WriteOptions(dir, hr, totalIter: 6, saveFreq: 100);
            var full = Train(opt, Path.Combine(dir, "a"));
            var o = TrainOptionsLoader.Load(opt);
            var first = Trainer.Train(o, new TrainingRun { ExperimentsRoot = Path.Combine(dir, "b"), TimeLimit = TimeSpan.Zero });
            Assert.False(first.Completed);
            Assert.Equal(1, first.Iteration);   // the limit is checked after each iteration: save at 1, stop
            Assert.True(File.Exists(Path.Combine(first.ExperimentFolder, "training_states", "1.state")));
            var rest = Train(opt, Path.Combine(dir, "b"), autoResume: true);
            Assert.Equal(full.Losses.Skip(1), rest.Losses);
            AssertSameWeights(Path.Combine(full.ExperimentFolder, "models", "net_g_latest.pth"), Path.Combine(rest.ExperimentFolder, "models", "net_g_latest.pth"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void NonFiniteLoss_StopsNamingTheIteration_LastCheckpointIntact()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 3);
            // An absurd learning rate: Adam moves every weight by ~1e30 at step 1, the next forward overflows.
            string opt = TrainingTestData.WriteOptions(dir, hr, totalIter: 10, saveFreq: 1, lr: 1e30);
            var e = Assert.Throws<TrainingStoppedException>(() => Train(opt, Path.Combine(dir, "exp")));
            Assert.Matches(@"l_pix is (NaN|infinite) at iteration \d+", e.Message);
            Assert.Contains("net_g_", e.Message);
            Assert.NotNull(e.LastCheckpoint);
            Assert.Contains($"net_g_{e.Iteration - 1}.pth", e.LastCheckpoint);
            using var sd = Checkpoint.Load(e.LastCheckpoint!, "params");   // intact and readable
            Assert.True(File.Exists(Path.Combine(dir, "exp", "tiny", "training_states", $"{e.Iteration - 1}.state")));
            Assert.False(File.Exists(Path.Combine(dir, "exp", "tiny", "models", $"net_g_{e.Iteration}.pth")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void UnwritableCheckpoint_StopsNamingTheFile_PreviousCheckpointIntact()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 3);
            string opt = TrainingTestData.WriteOptions(dir, hr, totalIter: 10, saveFreq: 2);
            // A folder where net_g_4.pth must go: the rename of the finished temporary file fails, as a full disk would fail the write.
            string blocked = Path.Combine(dir, "exp", "tiny", "models", "net_g_4.pth");
            var first = Train(opt, Path.Combine(dir, "exp"), stopAfter: 3);
            Directory.CreateDirectory(blocked);
            var e = Assert.Throws<TrainingStoppedException>(() => Train(opt, Path.Combine(dir, "exp"), autoResume: true));
            Assert.Contains(blocked, e.Message);
            Assert.Contains("net_g_2.pth", e.Message);
            Assert.Equal(4, e.Iteration);
            using (Checkpoint.Load(Path.Combine(dir, "exp", "tiny", "models", "net_g_2.pth"), "params")) { }
            Assert.Empty(Directory.GetFiles(Path.Combine(dir, "exp", "tiny", "models"), "*.tmp"));   // no half files left
            Directory.Delete(blocked);
            var resumed = Train(opt, Path.Combine(dir, "exp"), autoResume: true);   // and training goes on from 2
            Assert.Equal(2, resumed.ResumedFrom);
            Assert.True(resumed.Completed);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Validation_LogsBestValues_TensorBoardCsvAndPlots()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 4);
            string val = TrainingTestData.MakeHrFolder(Path.Combine(dir, "val"), count: 2, width: 30, height: 26, seed: 7);
            var lines = new List<string>();
            var o = TrainOptionsLoader.Load(TrainingTestData.WriteOptions(dir, hr, valDir: val, totalIter: 6, saveFreq: 6, valFreq: 3));
            var r = Trainer.Train(o, new TrainingRun { ExperimentsRoot = Path.Combine(dir, "exp"), Output = lines.Add });
            Assert.Contains(lines, l => l.Contains("Validation ValSet"));
            Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"INFO: \[tiny\.\.\]\[epoch:  \d, iter:       2, lr:\(2\.000e-03,\)\] \[eta: \d+:\d\d:\d\d, time \(data\): \d+\.\d{3} \(\d+\.\d{3}\)\] l_pix: \d\.\d{4}e-\d\d $"));
            Assert.Contains("ValSet/psnr", r.Best.Keys);
            var rows = TrainingCsv.ReadValidation(Path.Combine(r.ExperimentFolder, TrainingCsv.ValidationFile));
            Assert.Equal(new long[] { 3, 6 }, rows.Select(x => x.Iter));
            Assert.Equal(rows.Max(x => x.Value), r.Best["ValSet/psnr"].Value);
            Assert.True(File.Exists(Path.Combine(r.ExperimentFolder, "plots", "loss.png")));
            Assert.True(File.Exists(Path.Combine(r.ExperimentFolder, "plots", "val_ValSet_psnr.png")));
            var events = TensorBoardTests.ReadScalars(Directory.GetFiles(Path.Combine(r.ExperimentFolder, "tb_logger")).Single());
            Assert.Equal(new long[] { 2, 4, 6 }, events.Where(e => e.Tag == "losses/l_pix").Select(e => e.Step));
            Assert.Equal(rows.Select(x => (float)x.Value), events.Where(e => e.Tag == "metrics/ValSet/psnr").Select(e => e.Value));
            // The same PSNR as the evaluation code on these images: validate the final network directly.
            using var net = ModelLoader.Load(Path.Combine(r.ExperimentFolder, "models", "net_g_latest.pth"));
            var runner = new MambaIR.Evaluation.EvaluationRunner(net,
                new MambaIR.Evaluation.EvaluationOptions(MambaIR.Evaluation.RestorationTask.SuperResolution, 2, new MambaIR.Evaluation.TestProcedure(MambaIR.Evaluation.TilingMode.Official, false)));
            var eval = runner.Run([MambaIR.Evaluation.DatasetSpec.Parse(val + ":ValSet")]);
            Assert.Equal(eval.Datasets.Single().MeanPsnr, rows.Last().Value, 1e-9);
        }
        finally { Directory.Delete(dir, true); }
    }
}
