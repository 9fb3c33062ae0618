using MambaIR.Models;
using MambaIR.Models.UNet;
using MambaIR.Tests.Models;
using MambaIR.Training.Distributed;
using MambaIR.Training.Optimization;
using MambaIR.Training.Options;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using OptimizerOptions = MambaIR.Training.Options.OptimizerOptions;

namespace MambaIR.Tests.Training.Distributed;

/// <summary>
/// Issue 13 §1, buckets overlapped with the backward: ranks as threads, each bucket's reduction started from inside the
/// backward (when the markers of its units fire) and completed after it, give the gradients and weights of one process
/// on the whole batch (float64, 1e-12). A bucket reduced before all of its gradients were final would average partial
/// gradients and miss the rest, so the comparison with the whole-batch gradients is what proves the timing. MambaIR's
/// residual groups hold parameters whose gradients come from side chains of the graph (A = −exp(A_log), the D skip),
/// the case where the timing could go wrong.
/// </summary>
[Collection("global-rng")]
public class OverlappedGradientAveragingTests
{
    const int GlobalBatch = 6, Steps = 3;
    const double Tolerance = 1e-12;

    [Fact]
    public void BucketPlan_GroupsConsecutiveUnitsFromTheLast_ClosingAtTheCap()
    {
        var p = GradientBucketPlan.Build([10, 10, 10, 10], 20);
        Assert.Equal([[3, 2], [1, 0]], p.Buckets);
        Assert.Equal([1, 1, 0, 0], p.BucketOfUnit);
        Assert.Equal([[3, 2, 1], [0]], GradientBucketPlan.Build([10, 10, 10, 10], 25).Buckets);
        Assert.Equal([[3], [2], [1], [0]], GradientBucketPlan.Build([10, 10, 10, 10], 1).Buckets);
        Assert.Equal([[2], [1, 0]], GradientBucketPlan.Build([5, 20, 40], 30).Buckets);
        Assert.Equal([[2], [1], [0]], GradientBucketPlan.Build([5, 30, 40], 30).Buckets);
        Assert.Empty(GradientBucketPlan.Build([], 30).Buckets);
    }

    public static TheoryData<string, int, long> Cases => new()
    {
        { "mambair", 2, 1 }, { "mambair", 3, 1 }, { "mambair", 2, 1L << 40 }, { "unet", 2, 1 }, { "v2", 2, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BucketsReducedDuringTheBackward_MatchOneProcessOnTheWholeBatch(string network, int world, long capBytes)
    {
        Func<Module<Tensor, Tensor>> factory = network switch
        {
            "unet" => () => new MambaIRUNet(TinyModels.UNet()),
            "v2" => () => TinyModels.V2().CreateNetwork(),
            _ => () => new MambaIRNet(TinyModels.Light() with { Depths = [1, 1, 1] }, dropPathRate: 0),
        };
        int scale = network == "unet" ? 1 : 2, size = network == "unet" ? 16 : 8;
        manual_seed(20261203);
        using var lq = rand(GlobalBatch, 3, size, size, dtype: ScalarType.Float64);
        using var gt = rand(GlobalBatch, 3, size * scale, size * scale, dtype: ScalarType.Float64);
        var nets = Enumerable.Range(0, world + 1).Select(_ => factory()).ToArray();
        try
        {
            foreach (var n in nets) n.to(ScalarType.Float64);
            var start = nets[0].parameters().ToArray();
            using (no_grad())
                foreach (var n in nets.Skip(1))
                    foreach (var (p, q) in n.parameters().Zip(start)) p.copy_(q);

            var single = Train(nets[0], lq, gt, null, capBytes);
            var group = InProcessAllReduce.CreateGroup(world, TimeSpan.FromMinutes(5));
            int share = GlobalBatch / world;
            var results = ThreadRanks.Run(world, TimeSpan.FromMinutes(5), r =>
            {
                using var myLq = lq.narrow(0, r * share, share);
                using var myGt = gt.narrow(0, r * share, share);
                return Train(nets[r + 1], myLq, myGt, group[r], capBytes);
            });
            foreach (var g in group) g.Dispose();

            var u = TinyModels.UNet();
            int units = network switch
            {
                // encoder and decoder levels 1–3, the latent level, the refinement: one unit per block
                "unet" => 2 * (u.NumBlocks[0] + u.NumBlocks[1] + u.NumBlocks[2]) + u.NumBlocks[3] + u.NumRefinementBlocks,
                "v2" => TinyModels.V2().Depths.Count, // the attentive groups
                _ => 3,                               // the residual groups
            };
            for (int r = 0; r < world; r++)
            {
                for (int step = 0; step < Steps; step++)
                {
                    double d = MaxDiff(results[r].Gradients[step], single.Gradients[step]);
                    Assert.True(d <= Tolerance, $"rank {r} of {world}, step {step + 1}: averaged gradients differ from the whole-batch gradients by {d:E2} ({results[r].Plan})");
                    Assert.True(Math.Abs(results[r].Losses[step] - single.Losses[step]) <= 1e-12, $"rank {r}, step {step + 1}: loss {results[r].Losses[step]} vs {single.Losses[step]}");
                }
                double w = MaxDiff(results[r].Weights, single.Weights);
                // Adam divides by √v: a gradient near zero, equal to 1e-16 relative, moves its weight by up to lr·1e-10.
                Assert.True(w <= 1e-10, $"rank {r}: weights after {Steps} steps differ by {w:E2}");
                // The first step observes; from the second on, every bucket is reduced inside the backward (what is left
                // for the end: the layers before the first unit and after the last, and the loss).
                // (The U-Net and MambaIRv2 also call the convolutions of Sequentials as units.)
                int buckets = results[r].Overlap[1].Buckets;
                if (capBytes > 1) Assert.Equal(1, buckets);
                else if (network is "unet" or "v2") Assert.True(buckets >= units, $"{buckets} buckets for {units} blocks: {results[r].Plan}");
                else Assert.Equal(units, buckets);
                Assert.Equal((0, 0), results[r].Overlap[0]);
                Assert.Equal(buckets, results[r].Overlap[1].DuringBackward);
                Assert.Equal(results[r].Overlap[1], results[r].Overlap[2]);
                Assert.Contains($"{buckets} bucket(s)", results[r].Plan);
            }
        }
        finally { foreach (var n in nets) n.Dispose(); }
    }

    /// <summary>A module that runs a sub-module twice per forward cannot be bucketed by the order of its units: the plan
    /// says so and everything is averaged after the backward, still exactly.</summary>
    [Fact]
    public void UnitRunTwicePerForward_NoPlan_StillExact()
    {
        manual_seed(7);
        using var lq = rand(4, 3, 6, 6, dtype: ScalarType.Float64);
        using var gt = rand(4, 3, 6, 6, dtype: ScalarType.Float64);
        var nets = Enumerable.Range(0, 3).Select(_ => new Twice()).ToArray();
        foreach (var n in nets) n.to(ScalarType.Float64);
        using (no_grad())
            foreach (var n in nets.Skip(1))
                foreach (var (p, q) in n.parameters().Zip(nets[0].parameters())) p.copy_(q);
        var single = Train(nets[0], lq, gt, null, 1);
        var group = InProcessAllReduce.CreateGroup(2, TimeSpan.FromMinutes(2));
        var results = ThreadRanks.Run(2, TimeSpan.FromMinutes(2), r =>
        {
            using var a = lq.narrow(0, r * 2, 2);
            using var b = gt.narrow(0, r * 2, 2);
            return Train(nets[r + 1], a, b, group[r], 1);
        });
        for (int r = 0; r < 2; r++)
        {
            Assert.Contains("conv runs more than once per forward", results[r].Plan);
            Assert.All(results[r].Overlap, o => Assert.Equal(0, o.DuringBackward));
            for (int step = 0; step < Steps; step++)
                Assert.True(MaxDiff(results[r].Gradients[step], single.Gradients[step]) <= Tolerance, $"rank {r}, step {step + 1}");
        }
    }

    sealed class Twice : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> conv = nn.Conv2d(3, 3, 3, padding: 1);
        public Twice() : base(nameof(Twice)) => RegisterComponents();
        public override Tensor forward(Tensor x) => conv.call(functional.gelu(conv.call(x)));
    }

    sealed record Result(Tensor[][] Gradients, double[] Losses, Tensor[] Weights, (int DuringBackward, int Buckets)[] Overlap, string Plan);

    static Result Train(Module<Tensor, Tensor> net, Tensor lq, Tensor gt, IGradientAllReduce? ranks, long capBytes)
    {
        var named = net.named_parameters().Select(x => (x.name, x.parameter)).ToArray();
        using var opt = new AdamOptimizer(named, new OptimizerOptions(OptimizerKind.Adam, 1e-2, 0.9, 0.99, 0, 1e-8));
        var loss = new PixelLoss(new LossOptions(LossKind.L1, 1, LossReduction.Mean, 0));
        using var overlap = ranks is null ? null : new OverlappedGradientAveraging(net, ranks, capBytes);
        var grads = new Tensor[Steps][];
        var losses = new double[Steps];
        var stats = new (int, int)[Steps];
        for (int step = 0; step < Steps; step++)
        {
            using var scope = NewDisposeScope();
            opt.ZeroGrad();
            overlap?.BeginStep();
            var l = loss.Compute(net.forward(lq), gt);
            double value = l.item<double>();
            l.backward();
            if (overlap is not null)
            {
                value = overlap.Finish(CPU, value)[0];
                stats[step] = overlap.LastStep;
            }
            losses[step] = value;
            grads[step] = named.Select(x => x.parameter.grad!.detach().clone().MoveToOuterDisposeScope()).ToArray();
            opt.Step();
        }
        var weights = named.Select(x => x.parameter.detach().clone()).ToArray();
        return new Result(grads, losses, weights, stats, overlap?.Plan ?? "");
    }

    static double MaxDiff(Tensor[] a, Tensor[] b) => ThreadRanks.MaxDiff(a, b);
}
