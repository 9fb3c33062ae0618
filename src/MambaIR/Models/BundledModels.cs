namespace MambaIR.Models;

/// <summary>
/// Models shipped with MambaIR.NET: safetensors files in the <c>models/</c> folder beside the program (copied there from
/// the repository's <c>assets/models/</c> at build time), named <c>{name}.safetensors</c>. Nothing is downloaded.
/// </summary>
public static class BundledModels
{
    /// <summary>The folder searched: <c>MAMBAIR_MODELS_DIR</c> when set, else <c>models/</c> beside the program.</summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable("MAMBAIR_MODELS_DIR") is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "models");

    /// <summary>Names of the bundled models present, sorted.</summary>
    public static IReadOnlyList<string> Names =>
        System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.EnumerateFiles(Directory, "*.safetensors").Select(Path.GetFileNameWithoutExtension).OfType<string>().Order(StringComparer.Ordinal).ToArray()
            : [];

    /// <summary>The file of bundled model <paramref name="name"/>, or null when there is none of that name.</summary>
    public static string? Find(string name)
    {
        if (name.IndexOfAny(['/', '\\']) >= 0) return null;
        string path = Path.Combine(Directory, name + ".safetensors");
        return File.Exists(path) ? path : null;
    }
}
