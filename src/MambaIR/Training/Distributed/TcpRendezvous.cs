using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace MambaIR.Training.Distributed;

/// <summary>
/// The bootstrap of a data-parallel run over TCP, so the same code runs on one host or several: rank 0 listens on
/// <c>MASTER_ADDR:MASTER_PORT</c> (all interfaces, that port), every other rank connects to it (retrying until the
/// timeout, as rank 0 may start later) and says which rank it is. Then rank 0 can <see cref="Broadcast"/> a blob to
/// every rank (the NCCL unique id) and all ranks can meet at a <see cref="Barrier"/>. Messages are length-prefixed;
/// a rank that goes away makes the others fail with a message instead of waiting forever.
/// </summary>
public sealed class TcpRendezvous : IDisposable
{
    const uint Magic = 0x4D424952; // "MBIR"
    readonly TcpListener? _listener;
    readonly TcpClient?[] _peers;       // rank 0: one connection per other rank (index = rank)
    TcpClient? _master;                 // other ranks: the connection to rank 0
    readonly TimeSpan _timeout;
    readonly string _where;
    bool _accepted;

    TcpRendezvous(int rank, int world, TimeSpan timeout, string where, TcpListener? listener)
    {
        Rank = rank; WorldSize = world; _timeout = timeout; _where = where; _listener = listener;
        _peers = new TcpClient?[world];
    }

    public int Rank { get; }
    public int WorldSize { get; }

    /// <summary>The port rank 0 listens on (the one asked for, or the one the system chose for port 0).</summary>
    public int Port { get; private set; }

    /// <summary>Rank 0: starts listening on <paramref name="port"/> (0: any free port, see <see cref="Port"/>). The other
    /// ranks are accepted at the first <see cref="Broadcast"/> or <see cref="Barrier"/>.</summary>
    public static TcpRendezvous Host(int port, int worldSize, TimeSpan timeout)
    {
        if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize));
        var listener = Socket.OSSupportsIPv6 ? new TcpListener(IPAddress.IPv6Any, port) : new TcpListener(IPAddress.Any, port);
        if (Socket.OSSupportsIPv6) listener.Server.DualMode = true;
        try { listener.Start(Math.Max(16, worldSize)); }
        catch (SocketException e)
        {
            throw new IOException($"rank 0 cannot listen on port {port} ({e.SocketErrorCode}: {e.Message}); choose another {DistributedEnvironment.MasterPortVariable}", e);
        }
        int bound = ((IPEndPoint)listener.LocalEndpoint).Port;
        return new TcpRendezvous(0, worldSize, timeout, $"port {bound}", listener) { Port = bound };
    }

    /// <summary>Rank <paramref name="rank"/> ≥ 1: connects to rank 0 at <paramref name="address"/>:<paramref name="port"/>,
    /// retrying until <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">Rank 0 could not be reached in time (the message names the address).</exception>
    public static TcpRendezvous Join(string address, int port, int rank, int worldSize, TimeSpan timeout)
    {
        if (rank < 1 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"a joining rank is 1..{worldSize - 1}");
        string where = $"{address}:{port}";
        var r = new TcpRendezvous(rank, worldSize, timeout, where, null) { Port = port };
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (true)
        {
            var client = new TcpClient { NoDelay = true };
            try
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) { client.Dispose(); break; }
                using var cts = new CancellationTokenSource(left < TimeSpan.FromSeconds(5) ? left : TimeSpan.FromSeconds(5));
                client.ConnectAsync(address, port, cts.Token).AsTask().GetAwaiter().GetResult();
                var s = client.GetStream();
                var hello = new byte[12];
                BinaryPrimitives.WriteUInt32LittleEndian(hello, Magic);
                BinaryPrimitives.WriteInt32LittleEndian(hello.AsSpan(4), rank);
                BinaryPrimitives.WriteInt32LittleEndian(hello.AsSpan(8), worldSize);
                s.Write(hello);
                r._master = client;
                return r;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
            {
                last = e;
                client.Dispose();
                Thread.Sleep(200);
            }
        }
        throw new TimeoutException($"rank {rank} could not reach rank 0 at {where} within {timeout.TotalSeconds:0} s ({last?.Message ?? "no attempt"}); " +
            $"start rank 0 and check that {DistributedEnvironment.MasterAddressVariable} and {DistributedEnvironment.MasterPortVariable} are the same for every rank and reachable from this host");
    }

    void AcceptAll()
    {
        if (_accepted || Rank != 0) return;
        var deadline = DateTime.UtcNow + _timeout;
        int missing = WorldSize - 1;
        while (missing > 0)
        {
            var left = deadline - DateTime.UtcNow;
            TcpClient client;
            try
            {
                if (left <= TimeSpan.Zero) throw new OperationCanceledException();
                using var cts = new CancellationTokenSource(left);
                client = _listener!.AcceptTcpClientAsync(cts.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                var absent = Enumerable.Range(1, WorldSize - 1).Where(r => _peers[r] is null);
                throw new TimeoutException($"rank 0 waited {_timeout.TotalSeconds:0} s on {_where} for rank(s) {string.Join(", ", absent)}; start them with the same {DistributedEnvironment.MasterAddressVariable}/{DistributedEnvironment.MasterPortVariable} and {DistributedEnvironment.WorldSizeVariable}={WorldSize}");
            }
            client.NoDelay = true;
            var hello = new byte[12];
            try { ReadExactly(client, hello, deadline - DateTime.UtcNow); }
            catch (IOException) { client.Dispose(); continue; } // not one of ours, or it went away: keep waiting for the real ones
            int rank = BinaryPrimitives.ReadInt32LittleEndian(hello.AsSpan(4)), world = BinaryPrimitives.ReadInt32LittleEndian(hello.AsSpan(8));
            if (BinaryPrimitives.ReadUInt32LittleEndian(hello) != Magic) { client.Dispose(); continue; }
            if (world != WorldSize)
                throw new InvalidOperationException($"rank {rank} connected to {_where} with {DistributedEnvironment.WorldSizeVariable}={world}, rank 0 has {WorldSize}; every rank needs the same {DistributedEnvironment.WorldSizeVariable}");
            if (rank < 1 || rank >= WorldSize)
                throw new InvalidOperationException($"a process connected to {_where} as rank {rank}, out of 1..{WorldSize - 1}; give every process its own {DistributedEnvironment.RankVariable} below {DistributedEnvironment.WorldSizeVariable}");
            if (_peers[rank] is not null)
                throw new InvalidOperationException($"two processes connected to {_where} as rank {rank}; give every process its own {DistributedEnvironment.RankVariable}");
            _peers[rank] = client;
            missing--;
        }
        _accepted = true;
        _listener!.Stop();
    }

    /// <summary>Rank 0 passes <paramref name="blob"/> and gets it back; every other rank passes null and gets rank 0's blob.</summary>
    public byte[] Broadcast(byte[]? blob)
    {
        if (Rank == 0)
        {
            ArgumentNullException.ThrowIfNull(blob);
            AcceptAll();
            var header = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(header, blob.Length);
            for (int r = 1; r < WorldSize; r++) Send(r, header, blob);
            return blob;
        }
        var len = new byte[4];
        Receive(len, Timeout.InfiniteTimeSpan);
        int n = BinaryPrimitives.ReadInt32LittleEndian(len);
        if (n < 0 || n > 1 << 24) throw new InvalidDataException($"rank 0 at {_where} sent a blob of {n} bytes; is another program listening there?");
        var data = new byte[n];
        Receive(data, Timeout.InfiniteTimeSpan);
        return data;
    }

    /// <summary>Returns once every rank has called it (rank 0 collects one byte from each rank, then releases them all).
    /// Waits as long as it takes (a checkpoint or a validation on rank 0 can be long) but fails if a rank goes away.</summary>
    public void Barrier()
    {
        if (WorldSize == 1) return;
        byte[] one = [0xB1];
        if (Rank == 0)
        {
            AcceptAll();
            var got = new byte[1];
            for (int r = 1; r < WorldSize; r++)
            {
                try { ReadExactly(_peers[r]!, got, Timeout.InfiniteTimeSpan); }
                catch (IOException e) { throw new IOException($"rank {r} went away during a barrier ({e.Message})", e); }
                if (got[0] != one[0]) throw new InvalidDataException($"rank {r} is out of step: expected a barrier, got another message");
            }
            for (int r = 1; r < WorldSize; r++) Send(r, one);
            return;
        }
        _master!.GetStream().Write(one);
        var back = new byte[1];
        Receive(back, Timeout.InfiniteTimeSpan);
        if (back[0] != one[0]) throw new InvalidDataException($"rank 0 at {_where} is out of step: expected a barrier, got another message");
    }

    void Send(int rank, params byte[][] parts)
    {
        try { foreach (var p in parts) _peers[rank]!.GetStream().Write(p); }
        catch (IOException e) { throw new IOException($"rank 0 cannot reach rank {rank} any more ({e.Message})", e); }
    }

    void Receive(byte[] buffer, TimeSpan timeout)
    {
        try { ReadExactly(_master!, buffer, timeout); }
        catch (IOException e) { throw new IOException($"rank {Rank} lost rank 0 at {_where} ({e.Message})", e); }
    }

    static void ReadExactly(TcpClient client, byte[] buffer, TimeSpan timeout)
    {
        client.ReceiveTimeout = timeout == Timeout.InfiniteTimeSpan ? 0 : Math.Max(1, (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds));
        var s = client.GetStream();
        int got = 0;
        while (got < buffer.Length)
        {
            int n = s.Read(buffer, got, buffer.Length - got);
            if (n == 0) throw new IOException("connection closed");
            got += n;
        }
    }

    public void Dispose()
    {
        try { _listener?.Stop(); } catch (SocketException) { }
        foreach (var p in _peers) p?.Dispose();
        _master?.Dispose();
    }
}
