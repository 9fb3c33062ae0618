using System.Security.Cryptography;
using System.Text;

namespace MambaIR.Native.Cuda;

/// <summary>
/// Compiled kernels on disk, so that later runs skip NVRTC: one file per (kernel, GPU architecture, key), the key a
/// hash of everything that shapes the binary (source, compiler options, NVRTC version). Folder: <c>MAMBAIR_CUDA_CACHE</c>,
/// else <c>$XDG_CACHE_HOME/mambair/cuda</c>, else <c>~/.cache/mambair/cuda</c>. Best effort: a folder that cannot be
/// written only costs a compilation per process.
/// </summary>
public sealed class CudaKernelCache(string directory)
{
    public const string EnvironmentVariable = "MAMBAIR_CUDA_CACHE";

    public string Directory { get; } = directory;

    /// <summary>The default folder for this user (see the class remarks).</summary>
    public static string DefaultDirectory(IReadOnlyDictionary<string, string?>? environment = null)
    {
        string? Env(string name) => environment is not null ? environment.GetValueOrDefault(name) : Environment.GetEnvironmentVariable(name);
        if (Env(EnvironmentVariable) is { Length: > 0 } c) return c;
        if (Env("XDG_CACHE_HOME") is { Length: > 0 } x) return Path.Combine(x, "mambair", "cuda");
        string home = Env("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? Path.Combine(Path.GetTempPath(), "mambair-cuda") : Path.Combine(home, ".cache", "mambair", "cuda");
    }

    /// <summary>16 hex digits identifying a compilation: the same inputs give the same key, any change another.</summary>
    public static string Key(string source, IEnumerable<string> options, string compilerVersion)
    {
        var text = new StringBuilder(source).Append('\0').AppendJoin('\0', options).Append('\0').Append(compilerVersion);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16].ToLowerInvariant();
    }

    /// <summary>The file for kernel <paramref name="label"/> (e.g. <c>scan-f32-n16</c>) on compute capability <paramref name="arch"/>.</summary>
    public string PathFor(string label, int arch, string key) => Path.Combine(Directory, $"{label}-sm{arch}-{key}.bin");

    /// <summary>The cached image at <paramref name="path"/>, or <paramref name="compile"/>'s, then stored (atomically) for next time.</summary>
    public byte[] GetOrCompile(string path, Func<byte[]> compile, out bool fromCache)
    {
        try
        {
            if (File.Exists(path) && File.ReadAllBytes(path) is { Length: > 0 } cached) { fromCache = true; return cached; }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        var image = compile();
        fromCache = false;
        try
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            string tmp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(tmp, image);
            File.Move(tmp, path, overwrite: true); // concurrent processes never read a half-written file
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return image;
    }
}
