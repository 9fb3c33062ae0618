using System.Net;
using System.Net.Sockets;
using MambaIR.Training.Distributed;

namespace MambaIR.Tests.Training.Distributed;

/// <summary>The TCP bootstrap on localhost with ranks as threads (rank 0 on a port the system picks, so runs never collide).</summary>
public class TcpRendezvousTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Rank0sBlob_ReachesEveryRank_AndTheBarrierHoldsEveryoneUntilTheLastArrives(int world)
    {
        using var host = TcpRendezvous.Host(0, world, Timeout);
        Assert.NotEqual(0, host.Port);
        var blob = Enumerable.Range(0, 128).Select(i => (byte)(i * 7 + 3)).ToArray();
        var got = new byte[world][];
        var seenAfterBarrier = new int[world];
        int arrived = 0;
        var errors = new Exception?[world];
        void Rank(int r)
        {
            try
            {
                // Ranks ≥ 1 start before or after rank 0 accepts; the joiners retry.
                using var me = r == 0 ? null : TcpRendezvous.Join("localhost", host.Port, r, world, Timeout);
                var rv = r == 0 ? host : me!;
                got[r] = rv.Broadcast(r == 0 ? blob : null);
                if (r == world - 1) Thread.Sleep(300); // the last rank is late at the barrier
                Interlocked.Increment(ref arrived);
                rv.Barrier();
                seenAfterBarrier[r] = Volatile.Read(ref arrived);
                rv.Barrier(); // a second barrier keeps the connections open until everyone has read the count
            }
            catch (Exception e) { errors[r] = e; }
        }
        var threads = Enumerable.Range(0, world).Select(r => new Thread(() => Rank(r))).ToArray();
        foreach (var t in threads.Reverse()) t.Start();
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(120)), "a rank hung");
        foreach (var e in errors) Assert.Null(e);
        foreach (var g in got) Assert.Equal(blob, g);
        Assert.All(seenAfterBarrier, n => Assert.Equal(world, n));
    }

    [Fact]
    public void JoiningWithNoRank0_TimesOutNamingTheAddress()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0)) { probe.Start(); port = ((IPEndPoint)probe.LocalEndpoint).Port; probe.Stop(); }
        var e = Assert.Throws<TimeoutException>(() => TcpRendezvous.Join("127.0.0.1", port, 1, 2, TimeSpan.FromSeconds(1)));
        Assert.Contains($"rank 0 at 127.0.0.1:{port}", e.Message);
        Assert.Contains("MASTER_ADDR", e.Message);
    }

    [Fact]
    public void Rank0_TimesOutNamingTheMissingRanks()
    {
        using var host = TcpRendezvous.Host(0, 3, TimeSpan.FromSeconds(1));
        var e = Assert.Throws<TimeoutException>(() => host.Barrier());
        Assert.Contains("rank(s) 1, 2", e.Message);
    }

    [Fact]
    public void ARankWithAnotherWorldSize_IsRefusedByName()
    {
        using var host = TcpRendezvous.Host(0, 2, Timeout);
        using var joiner = TcpRendezvous.Join("127.0.0.1", host.Port, 1, 3, Timeout);
        var e = Assert.Throws<InvalidOperationException>(() => host.Broadcast([1, 2, 3]));
        Assert.Contains("WORLD_SIZE=3", e.Message);
    }
}
