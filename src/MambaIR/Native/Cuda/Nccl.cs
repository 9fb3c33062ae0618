using System.Runtime.InteropServices;

namespace MambaIR.Native.Cuda;

/// <summary>NCCL's 128-byte <c>ncclUniqueId</c>, passed by value to <c>ncclCommInitRank</c>.</summary>
[StructLayout(LayoutKind.Sequential, Size = Nccl.UniqueIdBytes)]
public unsafe struct NcclUniqueId
{
    public fixed byte Internal[Nccl.UniqueIdBytes];

    public byte[] ToArray()
    {
        var a = new byte[Nccl.UniqueIdBytes];
        fixed (byte* p = Internal) new ReadOnlySpan<byte>(p, Nccl.UniqueIdBytes).CopyTo(a);
        return a;
    }

    public static NcclUniqueId From(byte[] bytes)
    {
        if (bytes.Length != Nccl.UniqueIdBytes) throw new ArgumentException($"an NCCL unique id has {Nccl.UniqueIdBytes} bytes, not {bytes.Length}");
        var id = new NcclUniqueId();
        bytes.CopyTo(new Span<byte>(id.Internal, Nccl.UniqueIdBytes));
        return id;
    }
}

/// <summary>
/// The few NCCL entry points data-parallel training needs, bound from <c>libnccl.so.2</c> (found by
/// <see cref="NcclLocator"/>) with function pointers: unique id, communicator init/destroy, all-reduce, broadcast,
/// version and error strings. Loaded on first use; <see cref="TryLoad"/> says where it looked when it cannot be.
/// </summary>
public sealed unsafe class Nccl
{
    public const int UniqueIdBytes = 128;

    /// <summary><c>ncclDataType_t</c>.</summary>
    public enum DataType { Int8 = 0, Uint8 = 1, Int32 = 2, Uint32 = 3, Int64 = 4, Uint64 = 5, Float16 = 6, Float32 = 7, Float64 = 8, Bfloat16 = 9 }

    /// <summary><c>ncclRedOp_t</c> (Avg since NCCL 2.10).</summary>
    public enum ReduceOp { Sum = 0, Prod = 1, Max = 2, Min = 3, Avg = 4 }

    static readonly object Gate = new();
    static Nccl? _instance;
    static string? _failure;

    readonly delegate* unmanaged<int*, int> _getVersion;
    readonly delegate* unmanaged<NcclUniqueId*, int> _getUniqueId;
    readonly delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, int> _commInitRank;
    readonly delegate* unmanaged<IntPtr, int> _commDestroy;
    readonly delegate* unmanaged<IntPtr, int*, int> _commGetAsyncError;
    readonly delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int> _allReduce;
    readonly delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int> _broadcast;
    readonly delegate* unmanaged<int, byte*> _getErrorString;

    Nccl(IntPtr lib, string path)
    {
        IntPtr Get(string name) => NativeLibrary.TryGetExport(lib, name, out var p) ? p : throw new EntryPointNotFoundException($"{path} has no {name}");
        _getVersion = (delegate* unmanaged<int*, int>)Get("ncclGetVersion");
        _getUniqueId = (delegate* unmanaged<NcclUniqueId*, int>)Get("ncclGetUniqueId");
        _commInitRank = (delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, int>)Get("ncclCommInitRank");
        _commDestroy = (delegate* unmanaged<IntPtr, int>)Get("ncclCommDestroy");
        _commGetAsyncError = (delegate* unmanaged<IntPtr, int*, int>)Get("ncclCommGetAsyncError");
        _allReduce = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)Get("ncclAllReduce");
        _broadcast = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)Get("ncclBroadcast");
        _getErrorString = (delegate* unmanaged<int, byte*>)Get("ncclGetErrorString");
        Path = path;
        int v;
        Check(_getVersion(&v), "ncclGetVersion");
        Version = v;
    }

    /// <summary>The library file (or soname) that was loaded.</summary>
    public string Path { get; }

    /// <summary><c>ncclGetVersion</c>: major·10000 + minor·100 + patch (22105 for 2.21.5).</summary>
    public int Version { get; }

    public string VersionText => $"{Version / 10000}.{Version / 100 % 100}.{Version % 100}";

    /// <summary>Avg is a reduction op from NCCL 2.10 on.</summary>
    public bool HasAverage => Version >= 21000;

    /// <summary>NCCL, loaded from the first of <paramref name="candidates"/> that loads; null with
    /// <paramref name="failure"/> naming every place tried and why each failed.</summary>
    public static Nccl? TryLoad(IReadOnlyList<string> candidates, out string? failure)
    {
        var tried = new List<string>();
        foreach (var c in candidates)
        {
            bool bare = !c.Contains('/');
            if (!bare && !File.Exists(c)) { tried.Add($"{c} (absent)"); continue; }
            if (!NativeLibrary.TryLoad(c, out var lib)) { tried.Add($"{c} ({(bare ? "not found by the dynamic loader" : "present but does not load")})"); continue; }
            try { failure = null; return new Nccl(lib, c); }
            catch (Exception e) when (e is EntryPointNotFoundException or CudaException) { tried.Add($"{c} ({e.Message})"); }
        }
        failure = $"NCCL ({NcclLocator.SoName}) was not found; looked in: {string.Join("; ", tried)}. Install PyTorch's CUDA wheel (it brings nvidia-nccl-cu*), " +
                  $"or set {NcclLocator.EnvironmentVariable} to the file or its folder";
        return null;
    }

    /// <summary>The process's NCCL, from <see cref="NcclLocator.Candidates"/> for the libtorch in use (loaded once).</summary>
    /// <exception cref="DllNotFoundException">No NCCL could be loaded (the message says where it looked).</exception>
    public static Nccl Instance
    {
        get
        {
            lock (Gate)
            {
                if (_instance is null && _failure is null)
                {
                    TorchRuntime.EnsureInitialized();
                    _instance = TryLoad(NcclLocator.Candidates(Environment.GetEnvironmentVariable(NcclLocator.EnvironmentVariable), TorchRuntime.LibTorchDirectory), out _failure);
                }
                return _instance ?? throw new DllNotFoundException(_failure);
            }
        }
    }

    public void Check(int result, string call)
    {
        if (result == 0) return;
        string text = Marshal.PtrToStringUTF8((IntPtr)_getErrorString(result)) ?? "unknown error";
        throw new CudaException($"{call} failed: NCCL error {result} ({text})");
    }

    public NcclUniqueId GetUniqueId()
    {
        NcclUniqueId id;
        Check(_getUniqueId(&id), "ncclGetUniqueId");
        return id;
    }

    public IntPtr CommInitRank(int worldSize, NcclUniqueId id, int rank)
    {
        IntPtr comm;
        Check(_commInitRank(&comm, worldSize, id, rank), "ncclCommInitRank");
        return comm;
    }

    public void CommDestroy(IntPtr comm) => Check(_commDestroy(comm), "ncclCommDestroy");

    public int AsyncError(IntPtr comm)
    {
        int e;
        Check(_commGetAsyncError(comm, &e), "ncclCommGetAsyncError");
        return e;
    }

    /// <summary><c>ncclAllReduce</c> in place on <paramref name="stream"/> (0: the legacy default stream).</summary>
    public void AllReduce(ulong buffer, long count, DataType type, ReduceOp op, IntPtr comm, IntPtr stream) =>
        Check(_allReduce((IntPtr)(long)buffer, (IntPtr)(long)buffer, (nuint)count, (int)type, (int)op, comm, stream), "ncclAllReduce");

    /// <summary><c>ncclBroadcast</c> in place from <paramref name="root"/>.</summary>
    public void Broadcast(ulong buffer, long count, DataType type, int root, IntPtr comm, IntPtr stream) =>
        Check(_broadcast((IntPtr)(long)buffer, (IntPtr)(long)buffer, (nuint)count, (int)type, root, comm, stream), "ncclBroadcast");
}
