using MambaIR.Native.Cuda;
using MambaIR.Training.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Tests.Training.Distributed;

/// <summary>The in-process all-reduce against its definition (rank 0 + rank 1 + …), and how NCCL is located.</summary>
[Collection("torch")]
public class GradientAllReduceTests
{
    static void OnRanks(int world, Action<int, InProcessAllReduce> body)
    {
        var group = InProcessAllReduce.CreateGroup(world, TimeSpan.FromMinutes(2));
        ThreadRanks.Run(world, TimeSpan.FromMinutes(5), r => body(r, group[r]));
    }

    static double[] Values(int rank, int tensor, int n) => Enumerable.Range(0, n).Select(i => Math.Sin(1 + rank * 31 + tensor * 7 + i) * Math.Pow(10, i % 5 - 2)).ToArray();

    [Theory]
    [InlineData(1, AllReduceMode.Sum)]
    [InlineData(3, AllReduceMode.Sum)]
    [InlineData(3, AllReduceMode.Average)]
    [InlineData(4, AllReduceMode.Average)]
    public void EveryRank_GetsTheSumInRankOrder(int world, AllReduceMode mode)
    {
        int[] sizes = [5, 1, 12];
        var results = new double[world][][];
        var floats = new float[world][];
        OnRanks(world, (r, ar) =>
        {
            var ts = sizes.Select((n, k) => tensor(Values(r, k, n), ScalarType.Float64).reshape(k == 2 ? [3, 4] : [n])).ToList();
            var f = tensor(Values(r, 9, 4).Select(v => (float)v).ToArray());
            ts.Add(f); // a second dtype: a second bucket
            ar.AllReduce(ts, mode);
            results[r] = ts.Take(3).Select(t => t.data<double>().ToArray()).ToArray();
            floats[r] = f.data<float>().ToArray();
        });
        for (int k = 0; k < sizes.Length; k++)
        {
            var expected = new double[sizes[k]];
            for (int rank = 0; rank < world; rank++) { var v = Values(rank, k, sizes[k]); for (int i = 0; i < v.Length; i++) expected[i] += v[i]; }
            if (mode == AllReduceMode.Average && world > 1) for (int i = 0; i < expected.Length; i++) expected[i] /= world;
            for (int r = 0; r < world; r++) Assert.Equal(expected, results[r][k]); // bit-exact: the same additions in the same order
        }
        var fe = new float[4];
        for (int rank = 0; rank < world; rank++) { var v = Values(rank, 9, 4); for (int i = 0; i < 4; i++) fe[i] += (float)v[i]; }
        if (mode == AllReduceMode.Average && world > 1) for (int i = 0; i < 4; i++) fe[i] /= world;
        for (int r = 0; r < world; r++) Assert.Equal(fe, floats[r]);
    }

    [Fact]
    public void Broadcast_GivesEveryRankRank0sValues()
    {
        var got = new double[3][];
        OnRanks(3, (r, ar) =>
        {
            using var t = full(new long[] { 2, 3 }, (double)(r + 1), ScalarType.Float64);
            ar.BroadcastFromRank0([t]);
            got[r] = t.data<double>().ToArray();
        });
        Assert.All(got, g => Assert.Equal(Enumerable.Repeat(1.0, 6), g));
    }

    [Fact]
    public void TheTrainersStep_AveragesGradientsAndLosses_AndDecidesStopsTogether()
    {
        var grads = new double[3][];
        var losses = new double[3][];
        var stop = new bool[3][];
        OnRanks(3, (r, ar) =>
        {
            using var p = zeros(new long[] { 4 }, ScalarType.Float64, requires_grad: true);
            using (var l = (p * (r + 1.0)).sum()) l.backward();           // gradient r + 1 everywhere
            losses[r] = GradientAveraging.Average(ar, [p], CPU, 10.0 * r, r);
            grads[r] = p.grad!.data<double>().ToArray();
            stop[r] = [GradientAveraging.AnyRank(ar, r == 2, CPU), GradientAveraging.AnyRank(ar, false, CPU)];
        });
        for (int r = 0; r < 3; r++)
        {
            Assert.Equal(Enumerable.Repeat(2.0, 4), grads[r]);             // (1 + 2 + 3) / 3
            Assert.Equal([10.0, 1.0], losses[r]);                          // (0 + 10 + 20) / 3, (0 + 1 + 2) / 3
            Assert.Equal([true, false], stop[r]);                          // one rank's clock stops them all
        }
    }

    [Fact]
    public void MismatchedShapes_AreAnErrorNotAWrongSum()
    {
        var errors = new Exception?[2];
        var group = InProcessAllReduce.CreateGroup(2, TimeSpan.FromSeconds(30));
        var threads = Enumerable.Range(0, 2).Select(r => new Thread(() =>
        {
            try { using var t = zeros(r == 0 ? 3 : 4, dtype: ScalarType.Float64); group[r].AllReduce([t], AllReduceMode.Sum); }
            catch (Exception e) { errors[r] = e; }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.All(errors, e => Assert.Contains("must reduce the same shapes", Assert.IsType<InvalidOperationException>(e).Message));
    }

    [Fact]
    public void NcclIsLookedForBesideTheWheelsLibTorch_AndAFailureSaysWhere()
    {
        string root = TestPaths.NewTempDir();
        try
        {
            string torchLib = Path.Combine(root, "site-packages", "torch", "lib");
            Directory.CreateDirectory(torchLib);
            var candidates = NcclLocator.Candidates(null, torchLib, new Dictionary<string, string?>());
            string wheel = Path.Combine(root, "site-packages", "nvidia", "nccl", "lib", "libnccl.so.2");
            Assert.Equal(wheel, candidates[0]);
            Assert.Equal("libnccl.so.2", candidates[^1]);
            var overridden = NcclLocator.Candidates(Path.Combine(root, "mine"), torchLib, new Dictionary<string, string?>());
            Assert.Equal(Path.Combine(root, "mine"), overridden[0]);

            var onlyAbsent = candidates.Take(2).ToArray();
            Assert.Null(Nccl.TryLoad(onlyAbsent, out var why));
            Assert.Contains($"{wheel} (absent)", why);
            Assert.Contains("MAMBAIR_NCCL", why);
            Directory.CreateDirectory(Path.GetDirectoryName(wheel)!);
            File.WriteAllText(wheel, "not an ELF file");
            Assert.Null(Nccl.TryLoad([wheel], out why));
            Assert.Contains($"{wheel} (present but does not load)", why);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void NcclTypes_CoverTheTrainingDtypes()
    {
        Assert.Equal(Nccl.DataType.Float32, NcclAllReduce.TypeOf(ScalarType.Float32));
        Assert.Equal(Nccl.DataType.Float64, NcclAllReduce.TypeOf(ScalarType.Float64));
        Assert.Equal(Nccl.DataType.Bfloat16, NcclAllReduce.TypeOf(ScalarType.BFloat16));
        Assert.Throws<NotSupportedException>(() => NcclAllReduce.TypeOf(ScalarType.Bool));
        // ncclUniqueId is passed by value: exactly 128 bytes, and round-trips through the rendezvous blob.
        Assert.Equal(128, System.Runtime.CompilerServices.Unsafe.SizeOf<NcclUniqueId>());
        var bytes = Enumerable.Range(0, 128).Select(i => (byte)(255 - i)).ToArray();
        Assert.Equal(bytes, NcclUniqueId.From(bytes).ToArray());
    }
}
