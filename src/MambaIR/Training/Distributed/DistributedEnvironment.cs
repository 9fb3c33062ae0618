using System.Globalization;

namespace MambaIR.Training.Distributed;

/// <summary>
/// Where this process stands in a data-parallel run, from torchrun-style environment variables: <c>RANK</c> (global
/// rank), <c>WORLD_SIZE</c> (ranks in all), <c>LOCAL_RANK</c> (rank on this host = the CUDA device index),
/// <c>MASTER_ADDR</c> and <c>MASTER_PORT</c> (where rank 0 listens for the rendezvous). A process with none of them set
/// (or <c>WORLD_SIZE=1</c>) trains alone.
/// </summary>
public sealed record DistributedEnvironment(int Rank, int WorldSize, int LocalRank, string MasterAddress, int MasterPort)
{
    public const string RankVariable = "RANK";
    public const string WorldSizeVariable = "WORLD_SIZE";
    public const string LocalRankVariable = "LOCAL_RANK";
    public const string MasterAddressVariable = "MASTER_ADDR";
    public const string MasterPortVariable = "MASTER_PORT";

    /// <summary>The variables, in the order a user sets them.</summary>
    public static readonly IReadOnlyList<string> Variables = [RankVariable, WorldSizeVariable, LocalRankVariable, MasterAddressVariable, MasterPortVariable];

    /// <summary>True when this process is one rank of several.</summary>
    public bool IsDistributed => WorldSize > 1;

    /// <summary>The process's own environment; see <see cref="Read"/>.</summary>
    public static DistributedEnvironment? FromProcess() => Read(Environment.GetEnvironmentVariable);

    /// <summary>
    /// Reads and validates the variables through <paramref name="get"/>. Null when none is set or <c>WORLD_SIZE</c> is 1
    /// (a single process). Otherwise all five must be set and consistent.
    /// </summary>
    /// <exception cref="ArgumentException">A variable is missing or wrong; the message names it and its value.</exception>
    public static DistributedEnvironment? Read(Func<string, string?> get)
    {
        string? Value(string name) => get(name) is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        if (Variables.All(v => Value(v) is null)) return null;
        string? worldText = Value(WorldSizeVariable);
        if (worldText is null)
            throw new ArgumentException($"{WorldSizeVariable} is not set but {string.Join(", ", Variables.Where(v => Value(v) is not null))} is; set {WorldSizeVariable} to the number of ranks (or unset them all to train in one process)");
        int world = Integer(WorldSizeVariable, worldText, 1, 1 << 20);
        if (world == 1) return null;
        string Required(string name) => Value(name) ?? throw new ArgumentException(
            $"{name} is not set; data-parallel training with {WorldSizeVariable}={world} needs {string.Join(", ", Variables)} in every process");
        int rank = Integer(RankVariable, Required(RankVariable), 0, world - 1);
        int localRank = Integer(LocalRankVariable, Required(LocalRankVariable), 0, 1 << 16);
        string address = Required(MasterAddressVariable);
        if (address.Any(char.IsWhiteSpace) || address.Contains('/'))
            throw new ArgumentException($"{MasterAddressVariable}={address} is not a host name or IP address");
        int port = Integer(MasterPortVariable, Required(MasterPortVariable), 1, 65535);
        return new DistributedEnvironment(rank, world, localRank, address, port);
    }

    static int Integer(string name, string text, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new ArgumentException($"{name}={text} is not an integer");
        if (v < min || v > max)
            throw new ArgumentException(name == RankVariable
                ? $"{name}={v} is out of range: with {WorldSizeVariable}={max + 1} ranks are 0..{max}"
                : $"{name}={v} is out of range {min}..{max}");
        return v;
    }

    /// <summary>The variables a launcher sets for rank <paramref name="rank"/> of <paramref name="worldSize"/> on one host.</summary>
    public static IReadOnlyDictionary<string, string> ForLocalRank(int rank, int worldSize, string masterAddress, int masterPort) => new Dictionary<string, string>
    {
        [RankVariable] = rank.ToString(CultureInfo.InvariantCulture),
        [WorldSizeVariable] = worldSize.ToString(CultureInfo.InvariantCulture),
        [LocalRankVariable] = rank.ToString(CultureInfo.InvariantCulture),
        [MasterAddressVariable] = masterAddress,
        [MasterPortVariable] = masterPort.ToString(CultureInfo.InvariantCulture),
    };
}
