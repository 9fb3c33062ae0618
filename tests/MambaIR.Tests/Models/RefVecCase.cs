using System.Text.Json;
using MambaIR.Models;

namespace MambaIR.Tests.Models;

/// <summary>One MambaIR v1 reference vector: NAME.json (arch, kwargs, counts), NAME.pth (weights), NAME.io.safetensors (tensors).</summary>
public sealed record RefVecCase(string Name, string JsonPath, JsonElement Json)
{
    public string PthPath => Path.Combine(Path.GetDirectoryName(JsonPath)!, Name + ".pth");
    public string IoPath => Path.Combine(Path.GetDirectoryName(JsonPath)!, Name + ".io.safetensors");
    public bool HasGrads => Json.TryGetProperty("grads", out var g) && g.ValueKind == JsonValueKind.True;
    public MambaIRConfig Config => MambaIRConfig.FromJson(Json.GetProperty("kwargs"));

    public static RefVecCase Open(string name)
    {
        string path = Path.Combine(TestPaths.RefVec, name + ".json");
        return new RefVecCase(name, path, JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone());
    }

    /// <summary>Every reference vector whose json names the MambaIR (v1) architecture.</summary>
    public static IEnumerable<RefVecCase> All()
    {
        if (!Directory.Exists(TestPaths.RefVec)) throw new DirectoryNotFoundException($"reference vectors not found at {TestPaths.RefVec} (set MAMBAIR_REFVEC_DIR)");
        foreach (var path in Directory.GetFiles(TestPaths.RefVec, "*.json").OrderBy(p => p, StringComparer.Ordinal))
        {
            var json = JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
            if (json.TryGetProperty("arch", out var arch) && arch.GetString() == "MambaIR")
                yield return new RefVecCase(Path.GetFileNameWithoutExtension(path), path, json);
        }
    }

    public static IEnumerable<object[]> Names() => All().Select(c => new object[] { c.Name });
    public static IEnumerable<object[]> NamesWithGrads() => All().Where(c => c.HasGrads).Select(c => new object[] { c.Name });
}
