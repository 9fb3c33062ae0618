using System.Reflection;
using System.Runtime.InteropServices;
using LightningDB;

namespace MambaIR.Data;

/// <summary>
/// Loads the native LMDB library for LightningDB. The packaged <c>liblmdb.so</c> (LightningDB 0.23.1) is built against
/// glibc 2.38 only because of <c>__isoc23_strtol</c>; on older systems (Debian 12, Ubuntu 22.04) a copy patched by
/// <see cref="Glibc23SymbolPatcher"/> is written once to the cache folder and loaded instead; a system
/// <c>liblmdb.so.0</c> is the last resort. Call <see cref="EnsureLoaded"/> before the first LightningDB use.
/// </summary>
public static class LmdbNative
{
    static readonly object Gate = new();
    static IntPtr _handle;
    static string? _error;

    /// <summary>The library file in use (after <see cref="EnsureLoaded"/>).</summary>
    public static string? LoadedPath { get; private set; }

    /// <summary>Resolves LightningDB's <c>lmdb</c> imports; idempotent and thread-safe. Throws <see cref="DllNotFoundException"/> listing what was tried.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_handle != IntPtr.Zero) return;
            if (_error != null) throw new DllNotFoundException(_error);
            var tried = new List<string>();
            string? packaged = FindPackaged();
            if (packaged != null)
            {
                if (TryLoad(packaged, tried)) { Register(); return; }
                try
                {
                    string patched = PatchedCopy(packaged);
                    if (TryLoad(patched, tried)) { Register(); return; }
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException) { tried.Add($"patching {packaged}: {e.Message}"); }
            }
            else tried.Add("packaged liblmdb.so not found under runtimes/linux-x64/native");
            foreach (var sys in new[] { "liblmdb.so.0", "liblmdb.so" })
                if (TryLoad(sys, tried)) { Register(); return; }
            _error = "LMDB native library could not be loaded (install liblmdb0, e.g. apt-get install liblmdb0). Tried: " + string.Join("; ", tried);
            throw new DllNotFoundException(_error);
        }
    }

    static bool TryLoad(string path, List<string> tried)
    {
        try { _handle = NativeLibrary.Load(path); LoadedPath = path; return true; }
        catch (DllNotFoundException e) { tried.Add(e.Message.Split('\n')[0]); return false; }
    }

    static void Register()
    {
        try { NativeLibrary.SetDllImportResolver(typeof(LightningEnvironment).Assembly, Resolve); }
        catch (InvalidOperationException) { /* a resolver is already set for LightningDB; it must load the same library */ }
    }

    static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name is "lmdb" or "liblmdb" or "liblmdb.so" ? _handle : IntPtr.Zero;

    static string? FindPackaged()
    {
        const string file = "liblmdb.so";
        var candidates = new List<string>
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", file),
            Path.Combine(AppContext.BaseDirectory, file),
        };
        string? asmDir = Path.GetDirectoryName(typeof(LightningEnvironment).Assembly.Location);
        if (!string.IsNullOrEmpty(asmDir))
            candidates.Add(Path.GetFullPath(Path.Combine(asmDir, "..", "..", "runtimes", "linux-x64", "native", file)));
        return candidates.FirstOrDefault(File.Exists);
    }

    static string PatchedCopy(string packaged)
    {
        byte[] elf = File.ReadAllBytes(packaged);
        string key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(elf))[..16].ToLowerInvariant();
        string root = Environment.GetEnvironmentVariable(MambaIR.Native.TorchRuntime.CacheEnvironmentVariable) is { Length: > 0 } c ? c
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create) is { Length: > 0 } l
                ? l : Path.GetTempPath(), "mambair", "native");
        string dir = Path.Combine(root, key);
        string target = Path.Combine(dir, "liblmdb.so");
        if (File.Exists(target)) return target;
        if (Glibc23SymbolPatcher.Patch(elf).Count == 0) throw new InvalidDataException($"{packaged} has no __isoc23_ symbols to redirect");
        Directory.CreateDirectory(dir);
        string tmp = target + "." + Environment.ProcessId + ".tmp";
        File.WriteAllBytes(tmp, elf);
        File.Move(tmp, target, overwrite: true);
        return target;
    }
}
