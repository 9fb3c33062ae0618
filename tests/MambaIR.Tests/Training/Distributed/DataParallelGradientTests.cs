using MambaIR.Models;
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
/// Issue 13 §3: data-parallel training with ranks as threads and the in-process all-reduce, each rank on its share of the
/// global batch with the L1 mean over its local batch and gradients averaged across ranks, gives the gradients and, after
/// a few Adam steps, the weights of one process on the whole batch (float64, 1e-12). The oracle is the single-process
/// run: the definition of the mean loss over the global batch.
/// </summary>
[Collection("global-rng")]
public class DataParallelGradientTests
{
    const int GlobalBatch = 6, Steps = 3;
    const double Tolerance = 1e-12;

    static Module<Tensor, Tensor> ConvNet()
    {
        var net = nn.Sequential(("conv1", nn.Conv2d(3, 8, 3, padding: 1)), ("act", nn.GELU()), ("conv2", nn.Conv2d(8, 3, 3, padding: 1)));
        return net;
    }

    static Module<Tensor, Tensor> TinyMambaIR() => new MambaIRNet(TinyModels.Light() with { Depths = [1] }, dropPathRate: 0);

    public static TheoryData<string, int> Cases => new() { { "conv", 2 }, { "conv", 3 }, { "mambair", 2 }, { "mambair", 3 } };

    sealed record RunResult(Tensor[] FirstGradients, Tensor[] FinalWeights, Tensor[] LocalFirstGradients);

    [Theory]
    [MemberData(nameof(Cases))]
    public void RanksOnTheirShares_MatchOneProcessOnTheWholeBatch(string network, int world)
    {
        Func<Module<Tensor, Tensor>> factory = network == "conv" ? ConvNet : TinyMambaIR;
        int scale = network == "conv" ? 1 : 2;
        manual_seed(20261202);
        using var lq = rand(GlobalBatch, 3, 8, 8, dtype: ScalarType.Float64);
        using var gt = rand(GlobalBatch, 3, 8 * scale, 8 * scale, dtype: ScalarType.Float64);
        var nets = Enumerable.Range(0, world + 1).Select(_ => factory()).ToArray();
        try
        {
            foreach (var n in nets) n.to(ScalarType.Float64);
            // Every replica starts from the first one's weights (what the trainer's broadcast from rank 0 does).
            var start = nets[0].parameters().ToArray();
            using (no_grad())
                foreach (var n in nets.Skip(1))
                    foreach (var (p, q) in n.parameters().Zip(start)) p.copy_(q);

            var initial = start.Select(p => p.detach().clone()).ToArray();
            var single = Train(nets[0], lq, gt, null);
            var group = InProcessAllReduce.CreateGroup(world, TimeSpan.FromMinutes(5));
            int share = GlobalBatch / world;
            var results = ThreadRanks.Run(world, TimeSpan.FromMinutes(5), r =>
            {
                using var myLq = lq.narrow(0, r * share, share);
                using var myGt = gt.narrow(0, r * share, share);
                return Train(nets[r + 1], myLq, myGt, group[r]);
            });

            for (int r = 0; r < world; r++)
            {
                double gradDiff = MaxDiff(results[r].FirstGradients, single.FirstGradients);
                double weightDiff = MaxDiff(results[r].FinalWeights, single.FinalWeights);
                Assert.True(gradDiff <= Tolerance, $"rank {r} of {world}: averaged gradients differ from the whole-batch gradients by {gradDiff:E2}");
                Assert.True(weightDiff <= Tolerance, $"rank {r} of {world}: weights after {Steps} Adam steps differ by {weightDiff:E2}");
                // The reduction is what makes them equal: a rank's own gradient (mean over its share) is far off.
                Assert.True(MaxDiff(results[r].LocalFirstGradients, single.FirstGradients) > 1e-6, $"rank {r}: local gradients already equal the global ones; the test would not see a missing reduction");
                // And every rank holds the very same numbers (the reduction order is fixed).
                for (int i = 0; i < results[r].FinalWeights.Length; i++)
                    Assert.True(TensorAssert.Same(results[r].FinalWeights[i], results[0].FinalWeights[i]), $"rank {r} differs from rank 0 in weight {i}");
            }
            Assert.True(MaxDiff(single.FinalWeights, initial) > 1e-4, "the weights did not move; the steps would prove nothing");
        }
        finally { foreach (var n in nets) n.Dispose(); }
    }

    static RunResult Train(Module<Tensor, Tensor> net, Tensor lq, Tensor gt, IGradientAllReduce? allReduce)
    {
        var named = net.named_parameters().Select(x => (x.name, x.parameter)).ToArray();
        using var opt = new AdamOptimizer(named, new OptimizerOptions(OptimizerKind.Adam, 1e-2, 0.9, 0.99, 0, 1e-8));
        var loss = new PixelLoss(new LossOptions(LossKind.L1, 1, LossReduction.Mean, 0));
        Tensor[] first = [], local = [];
        for (int step = 0; step < Steps; step++)
        {
            using var scope = NewDisposeScope();
            opt.ZeroGrad();
            loss.Compute(net.forward(lq), gt).backward();
            var grads = named.Select(x => x.parameter.grad!).ToArray();
            if (step == 0) local = grads.Select(g => g.detach().clone().MoveToOuterDisposeScope()).ToArray();
            allReduce?.AllReduce(grads, AllReduceMode.Average);
            if (step == 0) first = grads.Select(g => g.detach().clone().MoveToOuterDisposeScope()).ToArray();
            opt.Step();
        }
        var weights = named.Select(x => x.parameter.detach().clone()).ToArray();
        return new RunResult(first, weights, local);
    }

    static double MaxDiff(Tensor[] a, Tensor[] b) => ThreadRanks.MaxDiff(a, b);
}
