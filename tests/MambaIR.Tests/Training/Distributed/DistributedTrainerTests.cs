using MambaIR.Checkpoints;
using MambaIR.Models;
using MambaIR.Tests.Models;
using MambaIR.Training.Distributed;
using MambaIR.Training.Loop;
using MambaIR.Training.Options;
using static TorchSharp.torch;

namespace MambaIR.Tests.Training.Distributed;

/// <summary>
/// The trainer with ranks as threads and the in-process all-reduce: 2 ranks × batch_size_per_gpu 2 train as one process
/// with batch 4 (num_gpu 2 on one device) — the same samples, crops and flips per iteration, losses and weights equal
/// up to float32 reduction order — and only rank 0 writes.
/// </summary>
[Collection("global-rng")]
public class DistributedTrainerTests
{
    [Fact]
    public void TwoRanks_TrainAsOneProcessWithTheGlobalBatch_AndOnlyRank0Writes()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            string hr = TrainingTestData.MakeHrFolder(Path.Combine(dir, "hr"), count: 6);
            // Fixed starting weights: the ranks build their networks at the same time from libtorch's one global generator.
            manual_seed(3);
            string start = Path.Combine(dir, "start.pth");
            using (var net = new MambaIRNet(TinyModels.Light() with { Depths = [1] }))
                Checkpoint.SavePth([("params", net.state_dict().ToList())], start);
            string opt = TrainingTestData.WriteOptions(dir, hr, totalIter: 10, saveFreq: 5, batch: 2, workers: 1);
            string[] common = [$"path:pretrain_network_g={start}", "network_g:drop_path_rate=0"];

            var single = Trainer.Train(TrainOptionsLoader.Load(opt, [.. common, "num_gpu=2"]), new TrainingRun { ExperimentsRoot = Path.Combine(dir, "single") });

            var group = InProcessAllReduce.CreateGroup(2, TimeSpan.FromMinutes(5));
            var lines = new List<string>[] { [], [] };
            var results = ThreadRanks.Run(2, TimeSpan.FromMinutes(10), r => Trainer.Train(TrainOptionsLoader.Load(opt, common), new TrainingRun
            {
                ExperimentsRoot = Path.Combine(dir, "ranks"), Ranks = group[r], Output = l => { lock (lines[r]) lines[r].Add(l); },
            }));

            Assert.True(results[0]!.Completed && results[1]!.Completed);
            Assert.Equal(10, single.Losses.Count);
            // Both ranks log the same (averaged) losses, bit for bit, and they are the single process's up to float32 rounding.
            Assert.Equal(results[0]!.Losses, results[1]!.Losses);
            foreach (var ((it, a), (it2, b)) in single.Losses.Zip(results[0]!.Losses))
            {
                Assert.Equal(it, it2);
                Assert.True(Math.Abs(a - b) <= 1e-4 * Math.Abs(a), $"iteration {it}: single {a}, 2 ranks {b}");
            }
            Assert.NotEqual(single.Losses[0].Loss, single.Losses[^1].Loss);
            using (var x = Checkpoint.Load(Path.Combine(single.ExperimentFolder, "models", "net_g_latest.pth"), "params"))
            using (var y = Checkpoint.Load(Path.Combine(results[0]!.ExperimentFolder, "models", "net_g_latest.pth"), "params"))
                foreach (var k in x.Keys)
                {
                    double diff = (x[k] - y[k]).abs().max().item<float>(), scale = x[k].abs().max().item<float>();
                    Assert.True(diff <= 1e-3 * Math.Max(scale, 1e-3), $"{k}: differs by {diff} (scale {scale})");
                }
            // Rank 0 alone wrote the experiment (one log, one CSV) and logged; rank 1 printed nothing.
            Assert.Single(Directory.GetFiles(results[0]!.ExperimentFolder, "train_tiny_*.log"));
            Assert.True(File.Exists(Path.Combine(results[0]!.ExperimentFolder, "training_states", "10.state")));
            Assert.Contains(lines[0], l => l.Contains("Data-parallel training: in-process all-reduce over 2 thread rank(s)"));
            Assert.Contains(lines[0], l => l.Contains("World size (gpu number): 2"));
            // From the second step on, the residual groups' gradients are averaged while the backward runs.
            Assert.Contains(lines[0], l => l.Contains("Gradient buckets: ") && l.Contains("reduced during the backward"));
            Assert.Empty(lines[1]);
        }
        finally { Directory.Delete(dir, true); }
    }
}
