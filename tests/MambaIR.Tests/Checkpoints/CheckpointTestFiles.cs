using System.Text.Json;

namespace MambaIR.Tests.Checkpoints;

/// <summary>Discovers the reference checkpoints in ../shared (never hard-coded names).</summary>
public static class CheckpointTestFiles
{
    static readonly string[] Extensions = { ".pth", ".pth.tar", ".pt", ".ckpt" };

    /// <summary>Every PyTorch checkpoint in refvec/ and refvec/recognizers/.</summary>
    public static IEnumerable<object[]> TorchCheckpoints() => Find(TestPaths.RefVec).Concat(Find(Path.Combine(TestPaths.RefVec, "recognizers")))
        .Select(p => new object[] { Path.GetRelativePath(TestPaths.RefVec, p) });

    /// <summary>Every refvec model checkpoint NAME.pth that has a NAME.json beside it.</summary>
    public static IEnumerable<object[]> ModelCheckpoints() => Find(TestPaths.RefVec)
        .Where(p => File.Exists(JsonFor(p)))
        .Select(p => new object[] { Path.GetRelativePath(TestPaths.RefVec, p) });

    public static IEnumerable<object[]> SafeTensorsFiles() =>
        (Directory.Exists(TestPaths.RefVec) ? Directory.EnumerateFiles(TestPaths.RefVec, "*.safetensors", SearchOption.AllDirectories) : [])
        .Order(StringComparer.Ordinal).Select(p => new object[] { Path.GetRelativePath(TestPaths.RefVec, p) });

    public static string Full(string relative) => Path.Combine(TestPaths.RefVec, relative);

    public static string JsonFor(string pth) => Path.Combine(Path.GetDirectoryName(pth)!, StemOf(pth) + ".json");

    public static JsonElement? Json(string pth)
    {
        string j = JsonFor(pth);
        return File.Exists(j) ? JsonDocument.Parse(File.ReadAllText(j)).RootElement : null;
    }

    static string StemOf(string p)
    {
        string name = Path.GetFileName(p);
        foreach (var e in Extensions.OrderByDescending(e => e.Length))
            if (name.EndsWith(e, StringComparison.Ordinal)) return name[..^e.Length];
        return Path.GetFileNameWithoutExtension(name);
    }

    static IEnumerable<string> Find(string dir) => Directory.Exists(dir)
        ? Directory.EnumerateFiles(dir).Where(p => Extensions.Any(e => p.EndsWith(e, StringComparison.Ordinal))).Order(StringComparer.Ordinal)
        : [];
}
