using System.Runtime.InteropServices;
using System.Text;

namespace MambaIR.Native.Cuda;

/// <summary>NVRTC, NVIDIA's run-time CUDA C++ compiler, bound from a <c>libnvrtc.so</c> found by <see cref="NvrtcLocator"/>.</summary>
internal sealed unsafe class Nvrtc
{
    readonly delegate* unmanaged<int*, int*, int> _version;
    readonly delegate* unmanaged<int, byte*> _errorString;
    readonly delegate* unmanaged<IntPtr*, byte*, byte*, int, byte**, byte**, int> _create;
    readonly delegate* unmanaged<IntPtr, int, byte**, int> _compile;
    readonly delegate* unmanaged<IntPtr, nuint*, int> _logSize;
    readonly delegate* unmanaged<IntPtr, byte*, int> _log;
    readonly delegate* unmanaged<IntPtr, nuint*, int> _cubinSize;
    readonly delegate* unmanaged<IntPtr, byte*, int> _cubin;
    readonly delegate* unmanaged<IntPtr, nuint*, int> _ptxSize;
    readonly delegate* unmanaged<IntPtr, byte*, int> _ptx;
    readonly delegate* unmanaged<IntPtr*, int> _destroy;
    readonly delegate* unmanaged<int*, int> _numArchs;
    readonly delegate* unmanaged<int*, int> _archs;

    /// <summary>The file it was loaded from.</summary>
    public string Path { get; }
    public (int Major, int Minor) Version { get; }

    Nvrtc(string path, IntPtr lib)
    {
        Path = path;
        IntPtr Get(string name)
        {
            if (!NativeLibrary.TryGetExport(lib, name, out var p)) throw new EntryPointNotFoundException($"{path} has no {name}");
            return p;
        }
        _version = (delegate* unmanaged<int*, int*, int>)Get("nvrtcVersion");
        _errorString = (delegate* unmanaged<int, byte*>)Get("nvrtcGetErrorString");
        _create = (delegate* unmanaged<IntPtr*, byte*, byte*, int, byte**, byte**, int>)Get("nvrtcCreateProgram");
        _compile = (delegate* unmanaged<IntPtr, int, byte**, int>)Get("nvrtcCompileProgram");
        _logSize = (delegate* unmanaged<IntPtr, nuint*, int>)Get("nvrtcGetProgramLogSize");
        _log = (delegate* unmanaged<IntPtr, byte*, int>)Get("nvrtcGetProgramLog");
        _cubinSize = (delegate* unmanaged<IntPtr, nuint*, int>)Get("nvrtcGetCUBINSize");
        _cubin = (delegate* unmanaged<IntPtr, byte*, int>)Get("nvrtcGetCUBIN");
        _ptxSize = (delegate* unmanaged<IntPtr, nuint*, int>)Get("nvrtcGetPTXSize");
        _ptx = (delegate* unmanaged<IntPtr, byte*, int>)Get("nvrtcGetPTX");
        _destroy = (delegate* unmanaged<IntPtr*, int>)Get("nvrtcDestroyProgram");
        _numArchs = (delegate* unmanaged<int*, int>)Get("nvrtcGetNumSupportedArchs");
        _archs = (delegate* unmanaged<int*, int>)Get("nvrtcGetSupportedArchs");
        int major, minor;
        Check(_version(&major, &minor), "nvrtcVersion");
        Version = (major, minor);
    }

    /// <summary>Loads the first candidate that is a working NVRTC; null with the reasons when none is.</summary>
    public static Nvrtc? TryLoad(IEnumerable<string> candidates, out string failure)
    {
        var tried = new List<string>();
        foreach (var c in candidates)
        {
            if (!NativeLibrary.TryLoad(c, out var lib)) { if (c.Contains('/')) tried.Add($"{c}: cannot be loaded"); continue; }
            try
            {
                // NVRTC loads its builtins library by soname; load the one beside it first so that it resolves.
                if (c.Contains('/'))
                    foreach (var b in Directory.EnumerateFiles(System.IO.Path.GetDirectoryName(c)!, "libnvrtc-builtins*.so*").OrderByDescending(f => f.Length))
                        if (NativeLibrary.TryLoad(b, out _)) break;
                failure = "";
                return new Nvrtc(c, lib);
            }
            catch (Exception e) when (e is EntryPointNotFoundException or CudaException) { tried.Add($"{c}: {e.Message}"); }
        }
        failure = tried.Count == 0 ? "no libnvrtc.so was found" : string.Join("; ", tried);
        return null;
    }

    void Check(int result, string call)
    {
        if (result != 0) throw new CudaException($"{call} failed: {Marshal.PtrToStringUTF8((IntPtr)_errorString(result)) ?? result.ToString()}");
    }

    /// <summary>Compute capabilities (e.g. 90) this NVRTC can make machine code for.</summary>
    public IReadOnlyList<int> SupportedArchitectures
    {
        get
        {
            int n;
            Check(_numArchs(&n), "nvrtcGetNumSupportedArchs");
            var a = new int[n];
            fixed (int* p = a) Check(_archs(p), "nvrtcGetSupportedArchs");
            return a;
        }
    }

    public sealed record Output(byte[] Image, bool IsCubin, string Log);

    /// <summary>
    /// Compiles <paramref name="source"/> for compute capability <paramref name="arch"/>: machine code (CUBIN) when this
    /// NVRTC knows the architecture, else PTX for the newest one it knows below it (the driver finishes it).
    /// Throws <see cref="CudaException"/> with the compiler's log on errors.
    /// </summary>
    public Output Compile(string source, string name, int arch, IEnumerable<string> options)
    {
        var archs = SupportedArchitectures;
        bool cubin = archs.Contains(arch);
        int target = cubin ? arch : archs.Where(a => a <= arch).DefaultIfEmpty(archs.Min()).Max();
        var opts = new List<string> { cubin ? $"--gpu-architecture=sm_{target}" : $"--gpu-architecture=compute_{target}" };
        opts.AddRange(options);
        IntPtr prog;
        var src = Encoding.UTF8.GetBytes(source + "\0");
        var nm = Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* s = src, n = nm) Check(_create(&prog, s, n, 0, null, null), "nvrtcCreateProgram");
        var handles = opts.Select(o => Marshal.StringToCoTaskMemUTF8(o)).ToArray();
        try
        {
            int result;
            fixed (IntPtr* h = handles) result = _compile(prog, handles.Length, (byte**)h);
            string log = ReadLog(prog);
            if (result != 0)
                throw new CudaException($"NVRTC ({Path}) could not compile {name} ({string.Join(' ', opts)}): " +
                                        $"{Marshal.PtrToStringUTF8((IntPtr)_errorString(result))}\n{log}");
            nuint size;
            byte[] image;
            if (cubin)
            {
                Check(_cubinSize(prog, &size), "nvrtcGetCUBINSize");
                image = new byte[(int)size];
                fixed (byte* p = image) Check(_cubin(prog, p), "nvrtcGetCUBIN");
            }
            else
            {
                Check(_ptxSize(prog, &size), "nvrtcGetPTXSize");
                image = new byte[(int)size];
                fixed (byte* p = image) Check(_ptx(prog, p), "nvrtcGetPTX");
            }
            return new Output(image, cubin, log);
        }
        finally
        {
            foreach (var h in handles) Marshal.FreeCoTaskMem(h);
            _destroy(&prog);
        }
    }

    string ReadLog(IntPtr prog)
    {
        nuint size;
        if (_logSize(prog, &size) != 0 || size <= 1) return "";
        var buf = new byte[(int)size];
        fixed (byte* p = buf) if (_log(prog, p) != 0) return "";
        return Encoding.UTF8.GetString(buf).TrimEnd('\0').Trim();
    }
}
