using static TorchSharp.torch;

namespace MambaIR.Tests.Training.Distributed;

/// <summary>Ranks as threads for the data-parallel tests, and the comparison of their tensors.</summary>
internal static class ThreadRanks
{
    /// <summary>Runs <paramref name="rank"/> for ranks 0 … <paramref name="world"/> − 1 on threads of their own and returns
    /// their results; a rank's exception fails the test naming it, a rank that does not finish in time too.</summary>
    public static T[] Run<T>(int world, TimeSpan timeout, Func<int, T> rank)
    {
        var results = new T[world];
        var errors = new Exception?[world];
        var threads = Enumerable.Range(0, world).Select(r => new Thread(() =>
        {
            try { results[r] = rank(r); }
            catch (Exception e) { errors[r] = e; }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) Assert.True(t.Join(timeout), "a rank hung");
        for (int r = 0; r < world; r++)
            if (errors[r] is { } e) throw new Xunit.Sdk.XunitException($"rank {r} failed: {e}");
        return results;
    }

    /// <summary><see cref="Run{T}"/> for ranks that return nothing.</summary>
    public static void Run(int world, TimeSpan timeout, Action<int> rank) => Run(world, timeout, r => { rank(r); return 0; });

    /// <summary>The largest absolute difference between corresponding tensors (same count and shapes asserted).</summary>
    public static double MaxDiff(Tensor[] a, Tensor[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i].shape, b[i].shape);
            using var d = (a[i] - b[i]).abs().max();
            m = Math.Max(m, d.item<double>());
        }
        return m;
    }
}
