using MambaIR.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Tests.Native;

public class NativeLoadingTests
{
    [Fact]
    public void PatchedBridgeHasWeakGlibcxxNeedAndIsOtherwiseIdentical()
    {
        string bridge = TorchRuntime.FindPackagedBridge() ?? throw new Exception("bridge not found");
        byte[] original = File.ReadAllBytes(bridge);
        var needs = ElfVersionPatcher.ReadNeeds(original);
        Assert.Contains(needs, n => n.File == "libstdc++.so.6" && n.Version == "GLIBCXX_3.4.32" && !n.IsWeak);

        byte[] patched = (byte[])original.Clone();
        Assert.Equal(1, ElfVersionPatcher.MarkWeak(patched, "GLIBCXX_3.4.32"));
        Assert.Equal(0, ElfVersionPatcher.MarkWeak(patched, "GLIBCXX_3.4.32")); // idempotent
        var after = ElfVersionPatcher.ReadNeeds(patched);
        Assert.Equal(needs.Count, after.Count);
        for (int i = 0; i < needs.Count; i++)
        {
            Assert.Equal(needs[i].Version, after[i].Version);
            Assert.Equal(needs[i].Version == "GLIBCXX_3.4.32" ? true : needs[i].IsWeak, after[i].IsWeak);
        }
        // Exactly two bytes (the flags field) may differ.
        int diff = original.Zip(patched).Count(p => p.First != p.Second);
        Assert.InRange(diff, 1, 2);
    }

    /// <summary>libgomp reads its settings from the native environment when libtorch loads: the short spin must be there.</summary>
    [Fact]
    public void OpenMpSpinsBriefly_UnlessTheUserSetIt()
    {
        TorchRuntime.EnsureInitialized();
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is { Length: > 0 } || Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is { Length: > 0 })
        {
            Assert.Equal(Environment.GetEnvironmentVariable("GOMP_SPINCOUNT"), NativeGetenv("GOMP_SPINCOUNT")); // left alone
            return;
        }
        Assert.Equal("PASSIVE", NativeGetenv("OMP_WAIT_POLICY"));
        Assert.Equal(TorchRuntime.OpenMpSpinCount, NativeGetenv("GOMP_SPINCOUNT"));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getenv")]
    static extern IntPtr getenv([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string name);

    static string? NativeGetenv(string name) => System.Runtime.InteropServices.Marshal.PtrToStringUTF8(getenv(name));

    [Fact]
    public void RejectsNonElfInput()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.ReadNeeds(new byte[100]));
    }

    [Fact]
    public void TorchLoadsAndComputes()
    {
        TorchRuntime.EnsureInitialized();
        Assert.True(TorchRuntime.IsInitialized);
        using var x = arange(12, dtype: float64).reshape(1, 1, 3, 4);
        using var w = ones(1, 1, 3, 3, dtype: float64);
        using var y = nn.functional.conv2d(x, w, padding: new long[] { 1, 1 });
        // Centre pixel (1,1): sum of the 3x3 neighbourhood 0..2 x 0..2 of arange(12) reshaped 3x4.
        Assert.Equal(0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10, y[0, 0, 1, 1].item<double>());
    }

    [Fact]
    public void UnknownDeviceAndMissingCudaGiveClearErrors()
    {
        var e = Assert.Throws<ArgumentException>(() => ComputeDevice.Resolve("tpu"));
        Assert.Contains("tpu", e.Message);
        if (!ComputeDevice.CudaAvailable())
        {
            var c = Assert.Throws<NotSupportedException>(() => ComputeDevice.Resolve("cuda"));
            Assert.Contains(TorchRuntime.LibTorchEnvironmentVariable, c.Message);
        }
        Assert.Equal(DeviceType.CPU, ComputeDevice.Resolve("cpu").type);
    }
}
