using MambaIR.Text.Evaluation;
using MambaIR.Text.Recognizers;

namespace MambaIR.Text;

/// <summary>
/// The recognizers available in this build, listed here (as the model sources are in <see cref="Models.ModelFactory"/>
/// and the scan backends in <see cref="Ops.SelectiveScan"/>): adding one is adding its provider to the list.
/// </summary>
public static class TextRecognizerRegistry
{
    static readonly Lazy<IReadOnlyDictionary<string, ITextRecognizerProvider>> All = new(() =>
        new ITextRecognizerProvider[] { new CrnnRecognizerProvider(), new MoranRecognizerProvider(), new AsterRecognizerProvider(), new PpOcr.PpOcrRecognizerProvider() }
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase));

    /// <summary>Providers by name, sorted.</summary>
    public static IReadOnlyList<ITextRecognizerProvider> Providers => All.Value.Values.OrderBy(p => p.Name, StringComparer.Ordinal).ToArray();

    /// <summary>The provider called <paramref name="name"/>; throws naming the known ones.</summary>
    public static ITextRecognizerProvider Get(string name) => All.Value.TryGetValue(name, out var p) ? p
        : throw new ArgumentException($"unknown recognizer '{name}' (available: {string.Join(", ", Providers.Select(x => x.Name))})");

    /// <summary>True when <paramref name="name"/> is a provider whose accuracies compare with the published tables.</summary>
    public static bool IsComparable(string name) => All.Value.TryGetValue(name, out var p) && p.ComparableWithPublished;

    /// <summary>
    /// Parses <c>NAME=PATH</c> or <c>NAME</c> (installed weights) and loads the recognizer. Throws
    /// <see cref="FileNotFoundException"/> naming the path when the weights are missing.
    /// </summary>
    public static ITextRecognizer Load(string spec)
    {
        int eq = spec.IndexOf('=');
        string name = (eq < 0 ? spec : spec[..eq]).Trim();
        var p = Get(name);
        string? path = eq < 0 ? p.DefaultPath() : spec[(eq + 1)..].Trim();
        if (string.IsNullOrEmpty(path)) throw new ArgumentException($"recognizer '{name}' needs weights: give it as {name}=PATH");
        if (!File.Exists(path) && !Directory.Exists(path)) throw new FileNotFoundException($"{name} weights not found: {path}", path);
        return p.Load(path);
    }
}
