using System.Runtime.InteropServices;
using MambaIR.Native;
using MambaIR.Native.Cuda;
using MambaIR.Ops;
using MambaIR.Ops.Cuda;
using static TorchSharp.torch;

namespace MambaIR.Tests.Native;

/// <summary>The parts of the CUDA path that need no GPU: finding NVRTC, the kernel cache, the fallback notice, launch shapes.</summary>
public class CudaToolchainTests
{
    static readonly IReadOnlyDictionary<string, string?> NoEnvironment = new Dictionary<string, string?>();

    static string Touch(string dir, string name)
    {
        Directory.CreateDirectory(dir);
        string p = Path.Combine(dir, name);
        File.WriteAllBytes(p, Array.Empty<byte>());
        return p;
    }

    [Fact]
    public void FindsNvrtcBesideAPyTorchWheelsLibtorchFirst()
    {
        string root = TestPaths.NewTempDir();
        try
        {
            string torchLib = Path.Combine(root, "site-packages", "torch", "lib");
            Directory.CreateDirectory(torchLib);
            string cu13 = Path.Combine(root, "site-packages", "nvidia", "cu13", "lib");
            Touch(cu13, "libnvrtc-builtins.so.13.0");
            string wanted = Touch(cu13, "libnvrtc.so.13");
            string cu12 = Touch(Path.Combine(root, "site-packages", "nvidia", "cuda_nvrtc", "lib"), "libnvrtc.so.12");
            var c = NvrtcLocator.Candidates(null, torchLib, NoEnvironment);
            Assert.Equal(wanted, c[0]);
            Assert.Equal(cu12, c[1]);
            Assert.DoesNotContain(c, p => p.Contains("builtins"));
            Assert.Equal(NvrtcLocator.SoNames, c.TakeLast(NvrtcLocator.SoNames.Length));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void AnOverrideFileOrFolderComesBeforeEverythingElse()
    {
        string root = TestPaths.NewTempDir();
        try
        {
            string torchLib = Path.Combine(root, "site-packages", "torch", "lib");
            string bundled = Touch(torchLib, "libnvrtc-672ee683.so.12"); // a libtorch archive's hashed copy
            string custom = Touch(Path.Combine(root, "custom"), "libnvrtc.so.12.4.127");
            Assert.Equal(new[] { custom, bundled }, NvrtcLocator.Candidates(custom, torchLib, NoEnvironment).Take(2));
            Assert.Equal(new[] { custom, bundled }, NvrtcLocator.Candidates(Path.GetDirectoryName(custom), torchLib, NoEnvironment).Take(2));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void InAFolderTheNewestVersionWinsAndCudaHomeIsSearched()
    {
        string root = TestPaths.NewTempDir();
        try
        {
            string lib = Path.Combine(root, "cuda", "lib64");
            Touch(lib, "libnvrtc.so.12.1.105");
            string newest = Touch(lib, "libnvrtc.so.12.8.93");
            Touch(lib, "libnvrtc.so.12");
            Touch(lib, "libnvrtc-builtins.so.12.8.93");
            Touch(lib, "libnvrtc.a");
            var found = NvrtcLocator.InFolder(lib).ToList();
            Assert.Equal(newest, found[0]);
            Assert.Equal(3, found.Count);
            var env = new Dictionary<string, string?> { ["CUDA_HOME"] = Path.Combine(root, "cuda") };
            Assert.Equal(newest, NvrtcLocator.Candidates(null, null, env)[0]);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void AMissingNvrtcIsReportedWithThePathsTried()
    {
        string missing = Path.Combine(TestPaths.NewTempDir(), "libnvrtc.so.13");
        File.WriteAllText(missing, "not a library");
        var nvrtc = Nvrtc.TryLoad(new[] { missing }, out var why);
        Assert.Null(nvrtc);
        Assert.Contains(missing, why);
    }

    [Fact]
    public void CacheKeysChangeWithSourceOptionsAndCompiler()
    {
        string k = CudaKernelCache.Key("src", new[] { "-DN=16" }, "nvrtc 13.0");
        Assert.Equal(k, CudaKernelCache.Key("src", new[] { "-DN=16" }, "nvrtc 13.0"));
        Assert.Matches("^[0-9a-f]{16}$", k);
        Assert.NotEqual(k, CudaKernelCache.Key("src2", new[] { "-DN=16" }, "nvrtc 13.0"));
        Assert.NotEqual(k, CudaKernelCache.Key("src", new[] { "-DN=10" }, "nvrtc 13.0"));
        Assert.NotEqual(k, CudaKernelCache.Key("src", new[] { "-DN=16" }, "nvrtc 12.8"));
        var cache = new CudaKernelCache("/c");
        Assert.NotEqual(cache.PathFor("scan-f32-n16-i8", 90, k), cache.PathFor("scan-f32-n16-i8", 80, k));
        Assert.NotEqual(cache.PathFor("scan-f32-n16-i8", 90, k), cache.PathFor("scan-f64-n16-i4", 90, k));
        // Every configuration the backend compiles has its own options, hence its own key (the lane variants of float64, and
        // lanes-s4 at N = 1, which has one state per lane, build what another variant builds, with the same options).
        var configs = new[] { ScalarType.Float32, ScalarType.Float64 }
            .SelectMany(t => new[] { 1, 10, 16 }.SelectMany(n => new[] { "global-u1", "global-u2", "smem-u1", "lanes-s1", "lanes-s4" }.Select(v =>
                CudaScanKernels.Options(t, n, CudaScanKernels.ItemsFor(n, t == ScalarType.Float64 ? 8 : 4), CudaScanVariant.Parse(v)))))
            .Select(o => (Options: string.Join(' ', o), Key: CudaKernelCache.Key(CudaScanKernels.Source, o, "v")))
            .Distinct().ToList();
        Assert.Equal(2 * 3 * 3 + 3 + 2, configs.Count); // 18 window builds; float32 lanes: 2 each at N = 10 and 16, 1 at N = 1
        Assert.Equal(configs.Count, configs.Select(c => c.Key).Distinct().Count());
    }

    [Fact]
    public void CacheFolderFollowsTheEnvironment()
    {
        Assert.Equal("/x/y", CudaKernelCache.DefaultDirectory(new Dictionary<string, string?> { [CudaKernelCache.EnvironmentVariable] = "/x/y", ["XDG_CACHE_HOME"] = "/xdg" }));
        Assert.Equal(Path.Combine("/xdg", "mambair", "cuda"), CudaKernelCache.DefaultDirectory(new Dictionary<string, string?> { ["XDG_CACHE_HOME"] = "/xdg", ["HOME"] = "/h" }));
        Assert.Equal(Path.Combine("/h", ".cache", "mambair", "cuda"), CudaKernelCache.DefaultDirectory(new Dictionary<string, string?> { ["HOME"] = "/h" }));
    }

    [Fact]
    public void CompiledImagesAreStoredOnceAndReadBack()
    {
        string dir = TestPaths.NewTempDir();
        try
        {
            int compiles = 0;
            byte[] Compile() { compiles++; return new byte[] { 1, 2, 3 }; }
            string path = new CudaKernelCache(dir).PathFor("scan-f32-n16-i8", 90, "0123456789abcdef");
            Assert.Equal(new byte[] { 1, 2, 3 }, new CudaKernelCache(dir).GetOrCompile(path, Compile, out bool cached1));
            Assert.Equal(new byte[] { 1, 2, 3 }, new CudaKernelCache(dir).GetOrCompile(path, Compile, out bool cached2));
            Assert.Equal(1, compiles);
            Assert.False(cached1);
            Assert.True(cached2);
            Assert.Single(Directory.GetFiles(dir)); // no temporary files left behind
            // A folder that cannot be created still gives the image (the cache is best effort).
            string blocked = Path.Combine(dir, "file-not-folder");
            File.WriteAllText(blocked, "");
            Assert.Equal(new byte[] { 1, 2, 3 }, new CudaKernelCache(Path.Combine(blocked, "sub")).GetOrCompile(Path.Combine(blocked, "sub", "k.bin"), Compile, out _));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TheFallbackNoticeIsWrittenOnceAndNamesTheReason()
    {
        var lines = new List<string>();
        var notice = new OnceNotice(lines.Add);
        string message = CudaSelectiveScan.FallbackMessage("NVRTC (libnvrtc.so) not found");
        Assert.True(notice.Report(message));
        Assert.False(notice.Report(message));
        Assert.Single(lines);
        Assert.Contains("NVRTC (libnvrtc.so) not found", lines[0]);
        Assert.Contains("chunked", lines[0]);
        Assert.DoesNotContain("--", lines[0]); // the library names no command-line flag
    }

    [Fact]
    public void CpuTensorsNeverReachTheCudaBackend()
    {
        TorchRuntime.EnsureInitialized();
        var x = new SelectiveScanInputs(zeros(1, 4, 3), zeros(1, 4, 3), zeros(4, 2), zeros(1, 1, 2, 3), zeros(1, 1, 2, 3));
        Assert.False(CudaSelectiveScan.Supports(x));
        Assert.False(new CudaSelectiveScan().CanRun(x));
        Assert.Equal("cpu", SelectiveScan.Choose(x).Name);
        Assert.Equal("cuda", SelectiveScan.ByName("cuda").Name);
        Assert.Throws<ArgumentException>(() => new CudaSelectiveScan().Run(x));
    }

    [Fact]
    public void LaunchShapeAndSharedMemoryFitEveryStateSize()
    {
        Assert.Equal(8, CudaScanKernels.ItemsFor(16, 4));
        Assert.Equal(4, CudaScanKernels.ItemsFor(16, 8));
        Assert.Equal(8, CudaScanKernels.ItemsFor(1, 8));
        Assert.Equal(1, CudaScanKernels.ItemsFor(CudaScanKernels.MaxStateSize, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => CudaScanKernels.ItemsFor(1000, 8));
        // Classic SR block: 4 directions × 360 channels, batch 4 → blocks of 4 channels of one (batch, direction).
        Assert.Equal(((270u, 4u, 4u), 128u, 4), CudaScanKernels.Shape(4, 1440, 4, segments: 3));
        var (grid, block, rows) = CudaScanKernels.Shape(4, 1440, 4);
        Assert.Equal((90u, 4u, 4u), grid);
        Assert.Equal(128u, block);
        Assert.Equal(4, rows);
        // 2 channels per group: blocks of 2 warps; 10 per group: 3 blocks, the last half used.
        Assert.Equal(((1u, 4u, 2u), 64u, 2), CudaScanKernels.Shape(2, 8, 4));
        Assert.Equal(((3u, 1u, 1u), 128u, 4), CudaScanKernels.Shape(1, 10, 1));
    }

    [Fact]
    public void ParameterBlocksHaveTheKernelsLayout()
    {
        // FwdParams: 13 pointers then 11 ints (padded to the pointers' 8 bytes); BwdParams: 21 pointers then 10 ints (see ScanKernelSource).
        Assert.Equal(13 * 8 + 12 * 4, Marshal.SizeOf<ScanForwardParams>());
        Assert.Equal(144, (int)Marshal.OffsetOf<ScanForwardParams>(nameof(ScanForwardParams.CheckpointWindow)));
        Assert.Contains("int batch, channels, length, groups, softplus, rows, segments, seg_windows, mode, vec;\n    int ckpt_window;", ScanKernelSource.Text);
        Assert.Equal(21 * 8 + 10 * 4, Marshal.SizeOf<ScanBackwardParams>());
        Assert.Equal(104, (int)Marshal.OffsetOf<ScanForwardParams>(nameof(ScanForwardParams.Batch)));
        Assert.Equal(168, (int)Marshal.OffsetOf<ScanBackwardParams>(nameof(ScanBackwardParams.Batch)));
        Assert.Equal(136, (int)Marshal.OffsetOf<ScanForwardParams>(nameof(ScanForwardParams.Mode)));
        Assert.Contains("scalar* out; scalar* last; scalar* ckpt; scalar* segE; scalar* segP;\n    int batch, channels, length, groups, softplus, rows, segments, seg_windows, mode, vec;", ScanKernelSource.Text);
        Assert.Contains("scalar* segE; scalar* segP;\n    int batch, channels, length, groups, softplus, rows, segments, seg_windows, mode, vec;\n};\n\n// Inclusive", ScanKernelSource.Text);
    }

    [Fact]
    public void ChannelBlockSizesParseOrAreRejectedNamingTheVariable()
    {
        Assert.Equal(64, CudaScanKernels.ChannelBlockFrom(null));
        Assert.Equal(64, CudaScanKernels.ChannelBlockFrom(""));
        foreach (int b in new[] { 32, 64, 128, 256 }) Assert.Equal(b, CudaScanKernels.ChannelBlockFrom(b.ToString()));
        foreach (var bad in new[] { "96", "0", "x", "1024" })
        {
            var e = Assert.Throws<ArgumentException>(() => CudaScanKernels.ChannelBlockFrom(bad));
            Assert.Contains(CudaScanKernels.ChannelBlockEnvironmentVariable + "=" + bad, e.Message);
        }
        // The block size is compiled in: a build of another size has other options, hence its own cache key.
        Assert.Contains($"-DCHAN_BLOCK={CudaScanKernels.ChannelBlock}", CudaScanKernels.Options(ScalarType.Float32, 16, 8));
    }

    [Fact]
    public void WindowKernelRowsParseOrAreRejectedNamingTheVariable()
    {
        Assert.Equal(CudaScanKernels.RowsMax, CudaScanKernels.RowsFrom(null));
        foreach (int r in new[] { 2, 4, 8 }) Assert.Equal(r, CudaScanKernels.RowsFrom(r.ToString()));
        var e = Assert.Throws<ArgumentException>(() => CudaScanKernels.RowsFrom("16"));
        Assert.Contains(CudaScanKernels.RowsEnvironmentVariable + "=16", e.Message);
        Assert.Contains($"-DROWS_MAX={CudaScanKernels.Rows}", CudaScanKernels.Options(ScalarType.Float64, 16, 4));
    }

    [Fact]
    public void VariantsParseAndPrintTheSameWay()
    {
        foreach (var v in new[] { "global-u1", "global-u2", "global-u4", "smem-u1", "smem-u2", "smem-u4" })
            Assert.Equal(v, CudaScanVariant.Parse(v).ToString());
        Assert.Equal(new CudaScanVariant(true, 2), CudaScanVariant.Parse(" SMEM-U2 "));
        var e = Assert.Throws<ArgumentException>(() => CudaScanVariant.Parse("global-u3"));
        Assert.Contains("global-u2", e.Message);
        Assert.Contains("-DBC_SMEM=1", CudaScanKernels.Options(ScalarType.Float32, 16, 8, CudaScanVariant.Parse("smem-u4")));
        Assert.Contains("-DNUNROLL=4", CudaScanKernels.Options(ScalarType.Float32, 16, 8, CudaScanVariant.Parse("smem-u4")));
        Assert.Equal("lanes-s4", CudaScanVariant.Parse("Lanes-S4").ToString());
        Assert.Equal("lanes", CudaScanVariant.Parse("lanes").ToString());
        Assert.Equal(CudaScanVariant.LaneDefault, CudaScanVariant.Parse("lanes"));
        // The default runs float32 forwards with N ≤ 32 on the channel kernel, larger N on the lane kernel (4 states per lane
        // from N = 16, 2 below), float64 on the window kernel.
        Assert.Equal("chan", CudaScanVariant.Parse(" Chan ").ToString());
        Assert.Equal(CudaScanVariant.Default, CudaScanVariant.Parse("chan"));
        Assert.Equal(CudaScanVariant.Default, CudaScanVariant.Default.For(ScalarType.Float32, 32));
        Assert.Equal(CudaScanVariant.LaneDefault, CudaScanVariant.Default.For(ScalarType.Float32, 33));
        Assert.Equal(CudaScanVariant.Window, CudaScanVariant.Default.For(ScalarType.Float64, 16));
        var chan = CudaScanKernels.Options(ScalarType.Float32, 16, 8);
        Assert.Contains("-DCHAN=1", chan);
        Assert.Contains("-DCHAN_WINDOW=64", chan);
        Assert.DoesNotContain(chan, o => o.StartsWith("-DSPT"));
        Assert.Contains("-DCHAN_WINDOW=32", CudaScanKernels.Options(ScalarType.Float32, 16, 1));
        Assert.Contains("-DSPT=4", CudaScanKernels.Options(ScalarType.Float32, 64, 1));
        Assert.DoesNotContain(CudaScanKernels.Options(ScalarType.Float64, 16, 4), o => o.StartsWith("-DCHAN"));
        Assert.Equal("scan-f32-n16-i8-chan", CudaScanKernels.Label(ScalarType.Float32, 16, 8));
        Assert.Equal("scan-f32-n64-i1-lanes", CudaScanKernels.Label(ScalarType.Float32, 64, 1));
        Assert.Equal((4, 4), (LaneLayout.For(16, CudaScanVariant.AutoLaneStates).StatesPerLane, LaneLayout.For(16, CudaScanVariant.AutoLaneStates).LanesPerChannel));
        Assert.Equal((2, 8), (LaneLayout.For(10, CudaScanVariant.AutoLaneStates).StatesPerLane, LaneLayout.For(10, CudaScanVariant.AutoLaneStates).LanesPerChannel));
        Assert.Equal(CudaScanVariant.Window, CudaScanVariant.Default.For(ScalarType.Float64));
        Assert.Contains("-DSPT=4", CudaScanKernels.Options(ScalarType.Float32, 16, 8, CudaScanVariant.LaneDefault));
        Assert.Throws<ArgumentException>(() => CudaScanVariant.Parse("lanes-s0"));
        Assert.Throws<ArgumentException>(() => CudaScanVariant.Parse("lanes-sx"));
        // The lane kernel is float32's only: float64 builds and labels fall back to the window kernel.
        var f32 = CudaScanKernels.Options(ScalarType.Float32, 16, 8, CudaScanVariant.Parse("lanes-s4"));
        Assert.Contains("-DSPT=4", f32);
        Assert.Contains("-DLPC=4", f32);
        Assert.Contains("-DLWIN=64", f32);
        Assert.DoesNotContain(CudaScanKernels.Options(ScalarType.Float64, 16, 4, CudaScanVariant.Parse("lanes-s4")), o => o.StartsWith("-DSPT"));
        Assert.Equal("scan-f64-n16-i4-global-u1", CudaScanKernels.Label(ScalarType.Float64, 16, 4, CudaScanVariant.Parse("lanes-s4")));
        Assert.Equal("scan-f32-n16-i8-lanes-s4", CudaScanKernels.Label(ScalarType.Float32, 16, 8, CudaScanVariant.Parse("lanes-s4")));
    }

    [Fact]
    public void LaneWindowsKeepTheStagedDataInStaticSharedMemory()
    {
        Assert.Equal(64, LaneLayout.For(16, 4).WindowFor(256)); // 10 + 35 KiB
        Assert.Equal(32, LaneLayout.For(16, 1).WindowFor(32));  // never past the checkpoint window
        Assert.Equal(32, LaneLayout.For(64, 8).WindowFor(64));  // 52 KiB at 64 steps
        foreach (int n in new[] { 1, 10, 16, 17, 33, 64 })
            foreach (int s in new[] { 1, 2, 4, 8, 16 })
            {
                var l = LaneLayout.For(n, s);
                int w = l.WindowFor(256), sbs = l.StatesPerLane * l.LanesPerChannel + (l.StatesPerLane % 4 == 0 ? 4 : l.StatesPerLane % 2 == 0 ? 2 : 1);
                Assert.True(4 * (2 * w * sbs + 4 * l.ChannelsPerBlock * (w + 4)) <= 48 * 1024, $"N={n} s={s}: window {w}");
                Assert.Equal(0, w % Math.Max(4, l.LanesPerChannel));
            }
    }

    [Theory]
    [InlineData(16, 1, 1, 16, 2, 4)]   // classic: 2 channels per warp, 8 per block
    [InlineData(16, 2, 2, 8, 4, 4)]
    [InlineData(16, 4, 4, 4, 8, 4)]    // 32 channels per block
    [InlineData(10, 1, 1, 16, 2, 4)]   // light: 6 of 16 lanes idle
    [InlineData(10, 2, 2, 8, 4, 4)]
    [InlineData(10, 4, 4, 4, 8, 4)]
    [InlineData(1, 4, 1, 1, 32, 1)]    // N = 1: a lane per channel, one warp per block
    [InlineData(64, 1, 2, 32, 1, 4)]   // more than 32 states: 2 per lane
    [InlineData(17, 16, 16, 2, 16, 2)] // 16 channels per warp: 2 warps per block
    public void LaneLayoutsCoverTheStatesWithAPowerOfTwoLanes(int n, int wanted, int spt, int lanes, int channelsPerWarp, int warps)
    {
        var l = LaneLayout.For(n, wanted);
        Assert.Equal((spt, lanes, channelsPerWarp, warps), (l.StatesPerLane, l.LanesPerChannel, l.ChannelsPerWarp, l.Warps));
        Assert.True(l.StatesPerLane * l.LanesPerChannel >= n);
        Assert.True(l.ChannelsPerBlock <= 32);
    }

    [Fact]
    public void FewRowsOnALongSequenceAreCutIntoSegments()
    {
        // Classic block, batch 4: 5760 rows fill 132 multiprocessors; one pass.
        Assert.Equal((1, 16), CudaScanKernels.Segmentation(5760, 16, 132));
        // MambaIR-light at 256×256 on one image: 288 rows, 256 windows → 22 segments of 12 windows (one row in 128 per SM... 48 warps/SM).
        Assert.Equal((22, 12), CudaScanKernels.Segmentation(288, 256, 132));
        // The classic block on one image (1440 rows): one pass.
        Assert.Equal((1, 16), CudaScanKernels.Segmentation(1440, 16, 132));
        // Never more segments than windows; every window in exactly one segment.
        Assert.Equal((1, 1), CudaScanKernels.Segmentation(4, 1, 132));
        foreach (var (rows, windows) in new[] { (4L, 5L), (36L, 300L), (1440L, 256L), (8L, 1000L) })
        {
            var (s, per) = CudaScanKernels.Segmentation(rows, windows, 132);
            Assert.InRange(s, 1, windows);
            Assert.True((long)s * per >= windows && (long)(s - 1) * per < windows, $"{rows} rows, {windows} windows: {s}×{per}");
        }
        Assert.Equal((3, 2), CudaScanKernels.Segmentation(5760, 5, 132, forced: 3));
        Assert.Equal((1, 5), CudaScanKernels.Segmentation(4, 5, 132, forced: 1));
    }
}
