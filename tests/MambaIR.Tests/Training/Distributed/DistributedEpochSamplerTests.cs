using MambaIR.Training.Data;
using MambaIR.Training.Distributed;

namespace MambaIR.Tests.Training.Distributed;

/// <summary>BasicSR's EnlargedSampler semantics: per-epoch seeding, padding to a multiple of the world size, rank r takes r::world.</summary>
[Collection("torch")]
public class DistributedEpochSamplerTests
{
    [Theory]
    [InlineData(10, 1, 2)]   // divisible: no padding
    [InlineData(10, 1, 3)]   // 10 → 12: two positions padded
    [InlineData(7, 3, 4)]    // 21 → 24
    [InlineData(5, 1, 8)]    // more ranks than samples: 5 → 8
    public void RankShares_AreDisjointAndTogetherAreThePaddedEpoch(int length, int ratio, int world)
    {
        var ranks = Enumerable.Range(0, world).Select(r => new DistributedEpochSampler(length, ratio, shuffle: true, world, r)).ToArray();
        int n = length * ratio;
        int perRank = (n + world - 1) / world; // ceil(len × ratio / world_size)
        int total = perRank * world;
        foreach (var s in ranks) { Assert.Equal(perRank, s.SamplesPerEpoch); Assert.Equal(total, s.TotalSize); }
        for (long epoch = 0; epoch < 3; epoch++)
        {
            // Epoch positions: disjoint, and together 0 … total_size − 1 exactly.
            var positions = ranks.SelectMany(s => Enumerable.Range(0, s.SamplesPerEpoch).Select(s.EpochPosition)).ToArray();
            Assert.Equal(total, positions.Length);
            Assert.Equal(Enumerable.Range(0, total), positions.Order());
            // Dataset indices: rank r's share is the epoch order at r, r + world, …, and the union (as a multiset) is
            // {v mod len : v in 0 … total_size − 1}: every index ratio times, the padding repeating the first ones.
            var order = ranks[0].EpochOrder(epoch);
            Assert.Equal(total, order.Length);
            for (int r = 0; r < world; r++)
                Assert.Equal(order.Where((_, i) => i % world == r), ranks[r].Share(epoch));
            var counts = ranks.SelectMany(s => s.Share(epoch)).GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
            for (int i = 0; i < length; i++)
                Assert.Equal(Enumerable.Range(0, total).Count(v => v % length == i), counts.GetValueOrDefault(i));
            // Every rank computes the same epoch order on its own (the generator is seeded with the epoch alone).
            foreach (var s in ranks) Assert.Equal(order, s.EpochOrder(epoch));
        }
        Assert.NotEqual(ranks[0].EpochOrder(0), ranks[0].EpochOrder(1)); // reshuffled each epoch
    }

    [Fact]
    public void OneRank_IsTheSingleProcessSampler()
    {
        var single = new EpochSampler(13, 2, shuffle: true);
        var dist = new DistributedEpochSampler(13, 2, shuffle: true, worldSize: 1, rank: 0);
        for (long epoch = 0; epoch < 3; epoch++)
        {
            Assert.Equal(single.Order(epoch), dist.Share(epoch));
            Assert.Equal(Enumerable.Range(0, 26), Enumerable.Range(0, 26).Select(dist.EpochPosition));
        }
        Assert.Equal(single.BasicSrItersPerEpoch(4), dist.BasicSrItersPerEpoch(4));
    }

    [Fact]
    public void BatchK_OfAllRanks_IsBatchK_OfOneProcessWithTheGlobalBatch()
    {
        const int len = 24, world = 3, perGpu = 2;
        var single = new EpochSampler(len, 1, shuffle: true);
        var ranks = Enumerable.Range(0, world).Select(r => new DistributedEpochSampler(len, 1, true, world, r)).ToArray();
        long batches = single.BatchesPerEpoch(perGpu * world);
        Assert.All(ranks, s => Assert.Equal(batches, s.BatchesPerEpoch(perGpu)));
        for (int k = 0; k < batches; k++)
        {
            var global = Enumerable.Range(k * perGpu * world, perGpu * world).ToArray();
            var fromRanks = ranks.SelectMany(s => Enumerable.Range(k * perGpu, perGpu).Select(s.EpochPosition)).Order().ToArray();
            Assert.Equal(global, fromRanks);
            Assert.Equal(global.Select(p => single.IndexAt(1, p)).Order(), ranks.SelectMany(s => Enumerable.Range(k * perGpu, perGpu).Select(p => s.IndexAt(1, p))).Order());
        }
    }

    [Fact]
    public void WithoutShuffle_RanksTakeTheStrides()
    {
        var r1 = new DistributedEpochSampler(5, 1, shuffle: false, worldSize: 2, rank: 1);
        Assert.Equal([1, 3, 0], r1.Share(0)); // 0 1 2 3 4 | 5 → 0 (padding), rank 1 takes positions 1, 3, 5
    }

    [Fact]
    public void BadRank_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedEpochSampler(5, 1, true, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedEpochSampler(5, 1, true, 0, 0));
    }
}
