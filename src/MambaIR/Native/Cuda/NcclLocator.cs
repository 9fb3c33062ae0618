namespace MambaIR.Native.Cuda;

/// <summary>
/// Where NCCL (<c>libnccl.so.2</c>, NVIDIA's collective communications library) is looked for, in order:
/// <list type="number">
/// <item>the file (or folder holding <c>libnccl.so.2</c>) named by <c>MAMBAIR_NCCL</c>;</item>
/// <item>beside the libtorch in use: PyTorch's CUDA wheels depend on the <c>nvidia-nccl-cu*</c> wheel, installed in the
/// same <c>site-packages</c>, so from <c>torch/lib</c> it is <c>../../nvidia/nccl/lib/libnccl.so.2</c>; a libtorch
/// archive may carry it in its own <c>lib</c>;</item>
/// <item><c>CUDA_HOME</c>, <c>/usr/local/cuda</c> and the system library folders;</item>
/// <item>the plain soname, for the dynamic loader's own search (it also finds the copy libtorch_cuda already loaded).</item>
/// </list>
/// </summary>
public static class NcclLocator
{
    public const string EnvironmentVariable = "MAMBAIR_NCCL";
    public const string SoName = "libnccl.so.2";

    /// <summary>The places looked in, in order: full paths (whether or not they exist), then the bare soname.</summary>
    public static IReadOnlyList<string> Candidates(string? overridePath, string? libTorchDirectory, IReadOnlyDictionary<string, string?>? environment = null)
    {
        string? Env(string name) => environment is not null ? environment.GetValueOrDefault(name) : Environment.GetEnvironmentVariable(name);
        var result = new List<string>();
        void Add(string f) { f = Path.GetFullPath(f); if (!result.Contains(f)) result.Add(f); }
        if (!string.IsNullOrWhiteSpace(overridePath))
            Add(Directory.Exists(overridePath) ? Path.Combine(overridePath, SoName) : overridePath);
        if (!string.IsNullOrEmpty(libTorchDirectory))
        {
            Add(Path.Combine(libTorchDirectory, "..", "..", "nvidia", "nccl", "lib", SoName));
            Add(Path.Combine(libTorchDirectory, SoName));
        }
        foreach (var root in new[] { Env("CUDA_HOME"), "/usr/local/cuda" })
            if (!string.IsNullOrEmpty(root))
                foreach (var sub in new[] { "lib64", "lib" }) Add(Path.Combine(root, sub, SoName));
        foreach (var dir in new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib" }) Add(Path.Combine(dir, SoName));
        result.Add(SoName);
        return result;
    }
}
