using System.Text.Json;
using MambaIR.Models;

namespace MambaIR.Tests.Models;

/// <summary>
/// One reference vector of any family: NAME.json (arch, kwargs, counts), NAME.pth (weights), NAME.io.safetensors
/// (tensors), found in <see cref="TestPaths.RefVecDirs"/>. The json's <c>arch</c> (the official class name) says which
/// family's config its <c>kwargs</c> are.
/// </summary>
public sealed record RefVecCase(string Name, string JsonPath, JsonElement Json)
{
    public string PthPath => Path.Combine(Path.GetDirectoryName(JsonPath)!, Name + ".pth");
    public string IoPath => Path.Combine(Path.GetDirectoryName(JsonPath)!, Name + ".io.safetensors");
    public bool HasGrads => Json.TryGetProperty("grads", out var g) && g.ValueKind == JsonValueKind.True;
    public NetworkArchitecture Architecture => NetworkConfigs.ParseArchitecture(Json.GetProperty("arch").GetString()!);
    public INetworkConfig Config => NetworkConfigs.FromJson(Architecture, Json.GetProperty("kwargs"));

    public static RefVecCase Open(string name) =>
        All().FirstOrDefault(c => c.Name == name) ?? throw new FileNotFoundException($"reference vector {name}.json not found in {string.Join(", ", TestPaths.RefVecDirs)}");

    /// <summary>Every reference vector whose json names a network family MambaIR.NET builds, sorted by name.</summary>
    public static IEnumerable<RefVecCase> All()
    {
        var dirs = TestPaths.RefVecDirs;
        if (!dirs.Any(Directory.Exists)) throw new DirectoryNotFoundException($"reference vectors not found at {string.Join(", ", dirs)} (set MAMBAIR_REFVEC_DIR)");
        var known = Enum.GetNames<NetworkArchitecture>().ToHashSet(StringComparer.Ordinal);
        return dirs.Where(Directory.Exists)
            .SelectMany(d => Directory.GetFiles(d, "*.json"))
            .Select(path => (path, json: JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone()))
            .Where(t => t.json.TryGetProperty("arch", out var arch) && arch.ValueKind == JsonValueKind.String && known.Contains(arch.GetString()!))
            .Select(t => new RefVecCase(Path.GetFileNameWithoutExtension(t.path), t.path, t.json))
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
    }

    public static IEnumerable<object[]> Names() => All().Select(c => new object[] { c.Name });
    public static IEnumerable<object[]> NamesWithGrads() => All().Where(c => c.HasGrads).Select(c => new object[] { c.Name });
}
