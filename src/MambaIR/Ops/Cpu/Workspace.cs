using System.Runtime.InteropServices;

namespace MambaIR.Ops.Cpu;

/// <summary>
/// One worker thread's scratch memory, 64-byte aligned native memory carved into named buffers, allocated once per
/// worker per call so the kernel loops never allocate.
/// </summary>
internal sealed unsafe class Workspace<T> : IDisposable where T : unmanaged
{
    readonly T* _base;
    int _used;
    readonly int _capacity;

    public Workspace(int elements)
    {
        _capacity = elements;
        _base = (T*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, elements) * (nuint)sizeof(T), 64);
    }

    /// <summary>The next <paramref name="count"/> elements (rounded up to 64 bytes), uninitialised.</summary>
    public T* Take(int count)
    {
        int step = (count * sizeof(T) + 63) / 64 * 64 / sizeof(T);
        if (_used + step > _capacity) throw new InvalidOperationException($"scan workspace too small: {_used + step} > {_capacity}");
        T* p = _base + _used;
        _used += step;
        return p;
    }

    /// <summary>Gives all buffers back, for the next work item of the same worker.</summary>
    public void Reset() => _used = 0;

    /// <summary>Elements to reserve for <paramref name="count"/> elements taken with <see cref="Take"/>.</summary>
    public static int Size(int count) => (count * sizeof(T) + 63) / 64 * 64 / sizeof(T);

    public void Dispose() => NativeMemory.AlignedFree(_base);
}
