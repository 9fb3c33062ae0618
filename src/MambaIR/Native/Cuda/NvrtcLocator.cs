using System.Text.RegularExpressions;

namespace MambaIR.Native.Cuda;

/// <summary>
/// Where NVRTC (<c>libnvrtc.so</c>, NVIDIA's run-time CUDA compiler) is looked for, in order:
/// <list type="number">
/// <item>the file (or folder) named by <c>MAMBAIR_NVRTC</c>;</item>
/// <item>beside the libtorch in use: a PyTorch wheel's <c>torch/lib</c> has NVIDIA's wheels two folders up, in
/// <c>nvidia/cu13/lib</c> (CUDA 13 wheels), <c>nvidia/cuda_nvrtc/lib</c> (CUDA 12) or <c>nvidia/cu12/lib</c>; a libtorch
/// archive ships <c>libnvrtc-HASH.so.*</c> in its own <c>lib</c>;</item>
/// <item><c>CUDA_HOME</c>, <c>CUDA_PATH</c>, <c>/usr/local/cuda</c> (<c>lib64</c>, <c>lib</c>, <c>targets/x86_64-linux/lib</c>)
/// and the system library folders;</item>
/// <item>the plain sonames (<c>libnvrtc.so.13</c>, <c>.12</c>, <c>libnvrtc.so</c>), for the dynamic loader's own search.</item>
/// </list>
/// In a folder, the newest <c>libnvrtc.so.*</c> (or <c>libnvrtc-*.so*</c>) is taken; NVRTC's builtins library is never a candidate.
/// </summary>
public static partial class NvrtcLocator
{
    public const string EnvironmentVariable = "MAMBAIR_NVRTC";

    public static readonly string[] SoNames = { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so" };

    /// <summary>Candidate files (existing ones, in order of preference), then bare sonames.</summary>
    public static IReadOnlyList<string> Candidates(string? overridePath, string? libTorchDirectory, IReadOnlyDictionary<string, string?>? environment = null)
    {
        string? Env(string name) => environment is not null ? environment.GetValueOrDefault(name) : Environment.GetEnvironmentVariable(name);
        var result = new List<string>();
        void AddFile(string f) { f = Path.GetFullPath(f); if (!result.Contains(f)) result.Add(f); }
        void AddFolder(string? dir) { if (!string.IsNullOrEmpty(dir) && Directory.Exists(dir)) foreach (var f in InFolder(dir)) AddFile(f); }

        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            if (File.Exists(overridePath)) AddFile(overridePath);
            else AddFolder(overridePath);
        }
        if (!string.IsNullOrEmpty(libTorchDirectory))
        {
            string sitePackages = Path.GetFullPath(Path.Combine(libTorchDirectory, "..", ".."));
            foreach (var sub in new[] { "cu13", "cuda_nvrtc", "cu12" })
                AddFolder(Path.Combine(sitePackages, "nvidia", sub, "lib"));
            AddFolder(libTorchDirectory);
        }
        foreach (var root in new[] { Env("CUDA_HOME"), Env("CUDA_PATH"), "/usr/local/cuda" })
            if (!string.IsNullOrEmpty(root))
                foreach (var sub in new[] { "lib64", "lib", Path.Combine("targets", "x86_64-linux", "lib") })
                    AddFolder(Path.Combine(root, sub));
        foreach (var dir in new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib" }) AddFolder(dir);
        foreach (var so in SoNames) if (!result.Contains(so)) result.Add(so);
        return result;
    }

    /// <summary>NVRTC libraries in one folder, newest version first.</summary>
    public static IEnumerable<string> InFolder(string dir)
    {
        IEnumerable<string> files;
        try { files = Directory.EnumerateFiles(dir, "libnvrtc*"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { yield break; }
        foreach (var f in files
                     .Where(f => LibraryName().IsMatch(Path.GetFileName(f)) && !Path.GetFileName(f).Contains("builtins", StringComparison.Ordinal))
                     .OrderByDescending(f => VersionOf(Path.GetFileName(f)))
                     .ThenBy(f => Path.GetFileName(f).Length))
            yield return f;
    }

    /// <summary>The version numbers after ".so." (libnvrtc.so.13.0.48 → 13.0.48), as a sortable value; 0 for none.</summary>
    internal static Version VersionOf(string fileName)
    {
        int i = fileName.IndexOf(".so.", StringComparison.Ordinal);
        if (i < 0) return new Version(0, 0);
        var parts = fileName[(i + 4)..].Split('.').Select(p => int.TryParse(p, out int v) ? v : 0).Take(4).ToList();
        while (parts.Count < 2) parts.Add(0);
        return parts.Count switch { 2 => new Version(parts[0], parts[1]), 3 => new Version(parts[0], parts[1], parts[2]), _ => new Version(parts[0], parts[1], parts[2], parts[3]) };
    }

    [GeneratedRegex(@"^libnvrtc(-[0-9a-f]+)?\.so(\.[0-9]+)*$")]
    private static partial Regex LibraryName();
}
