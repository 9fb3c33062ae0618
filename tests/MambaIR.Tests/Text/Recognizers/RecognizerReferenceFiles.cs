using System.Text.Json;
using MambaIR.Text.Recognizers;

namespace MambaIR.Tests.Text.Recognizers;

/// <summary>
/// The recognizer reference vectors in <c>refvec/recognizers</c>: <c>recognizers.json</c> lists them; each NAME has a
/// checkpoint (<c>NAME.pth</c>, <c>NAME.pth.tar</c>, ...) and <c>NAME.io.safetensors</c> with inputs and outputs.
/// </summary>
public static class RecognizerReferenceFiles
{
    /// <summary>The folder.</summary>
    public static string Folder => Path.Combine(TestPaths.RefVec, "recognizers");

    /// <summary>Recognizers listed in <c>recognizers.json</c> whose checkpoint and io files are present.</summary>
    public static IReadOnlyList<RecognizerKind> Available()
    {
        string json = Path.Combine(Folder, "recognizers.json");
        if (!File.Exists(json)) return [];
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        return doc.RootElement.EnumerateObject()
            .Select(p => p.Name)
            .Where(name => File.Exists(IoFile(name)) && FindCheckpoint(name) is not null)
            .Select(RecognizerKinds.Parse)
            .ToList();
    }

    /// <summary>The inputs/outputs file of <paramref name="kind"/>.</summary>
    public static string Io(RecognizerKind kind) => IoFile(kind.Name());

    /// <summary>The checkpoint of <paramref name="kind"/>.</summary>
    public static string Checkpoint(RecognizerKind kind) =>
        FindCheckpoint(kind.Name()) ?? throw new FileNotFoundException($"no {kind.Name()} checkpoint in {Folder}");

    static string IoFile(string name) => Path.Combine(Folder, name + ".io.safetensors");

    static string? FindCheckpoint(string name) => Directory.Exists(Folder)
        ? Directory.EnumerateFiles(Folder, name + ".*")
            .Where(f => !f.EndsWith(".io.safetensors", StringComparison.Ordinal) && !f.EndsWith(".json", StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal)
            .FirstOrDefault()
        : null;
}
