using System.Diagnostics;
using System.Runtime.InteropServices;
using MambaIR.Native.Cuda;
using static TorchSharp.torch;

namespace MambaIR.Ops.Cuda;

/// <summary>Parameter block of <c>mambair_scan_fwd</c> (same field order and layout as <c>FwdParams</c> in the source).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ScanForwardParams
{
    public ulong U, Delta, A, B, C, D, Z, Bias, Out, Last, Checkpoints, SegmentEnd, SegmentDecay;
    public int Batch, Channels, Length, Groups, Softplus, Rows, Segments, SegmentWindows, Mode, Vec;
    /// <summary>Steps per checkpoint window (the window kernel's <see cref="CudaScanKernels.Window"/>), read by the lane kernel.</summary>
    public int CheckpointWindow;
}

/// <summary>Parameter block of <c>mambair_scan_fourway_chan</c> (same layout as <c>FourWayParams</c>).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FourWayScanParams
{
    public ulong X, XDbl, DtWeight, Bias, A, D, Out, SegmentEnd, SegmentDecay;
    public int Batch, Channels, Height, Width, Length, Rank, Segments, SegmentSteps, Mode, XDblStride;
}

/// <summary>Parameter block of <c>mambair_fourway_norm_gate</c> (same layout as <c>NormGateParams</c>).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FourWayNormGateParams
{
    public ulong Y4, Z, Weight, Bias, Out;
    public long Pixels;
    public int Channels, ZStride;
    public float Eps;
}

/// <summary>Parameter block of <c>mambair_scan_bwd</c> (same layout as <c>BwdParams</c>).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ScanBackwardParams
{
    public ulong U, Delta, A, B, C, D, Z, Bias, Checkpoints, GradOut, GradLast;
    public ulong GradU, GradDelta, GradZ, GradA, GradB, GradC, GradD, GradBias, SegmentEnd, SegmentDecay;
    public int Batch, Channels, Length, Groups, Softplus, Rows, Segments, SegmentWindows, Mode, Vec;
}

/// <summary>
/// How the kernels are built: <see cref="SharedBC"/> stages each window's B and C in shared memory for the block's warps
/// (else each lane reads its steps' B and C from global memory, the block's other warps hitting L1), and
/// <see cref="Unroll"/> states are scanned per iteration of the state loop (independent scans in flight together).
/// <see cref="LaneStates"/> &gt; 0 runs the float32 forward with the lane-per-state kernel instead
/// (<see cref="LaneScanKernelSource"/>), each lane holding that many states of one channel; the backward stays the
/// window kernel's. <see cref="PerChannel"/> runs it with the channel-per-thread kernel instead (<see cref="ChannelScanKernelSource"/>,
/// N ≤ 32; larger N take the lane kernel). Written <c>global-u2</c>, <c>smem-u1</c>, <c>lanes-s4</c>, <c>chan</c>, …;
/// <c>MAMBAIR_CUDA_SCAN_VARIANT</c> picks one.
/// </summary>
public sealed record CudaScanVariant(bool SharedBC, int Unroll, int LaneStates = 0, bool PerChannel = false)
{
    public const string EnvironmentVariable = "MAMBAIR_CUDA_SCAN_VARIANT";
    /// <summary>
    /// B and C from global memory, one state per iteration: the fastest in a sweep on an H200 (sum of forward+backward
    /// times relative to the best, over the classic block at batch 4 and at 256×256 and MambaIR-light at 256×256:
    /// global-u1 3.00, global-u2 3.11, smem-u1 4.56).
    /// </summary>
    public static CudaScanVariant Window { get; } = new(false, 1);

    /// <summary>
    /// The lane kernel with its automatic layout (4 states per lane from N = 16 up, else 2): the float32 forward for N above
    /// <see cref="ChannelMaxStates"/>. Measured on an H200 (`bench scan`, forward): the classic block at batch 4 0.945 ms
    /// against the window kernel's 1.149, on one 256×256 image 3.48 against 5.50 ms; MambaIR-light on one 256×256 image
    /// (N = 10) with 2 states per lane 0.762 against 0.911 ms.
    /// </summary>
    public static CudaScanVariant LaneDefault { get; } = new(false, 1, AutoLaneStates);

    /// <summary>
    /// The default: float32 forwards with N ≤ 32 on the channel-per-thread kernel (<see cref="Channel"/>), larger N on the
    /// lane kernel (<see cref="LaneDefault"/>); the backward (and float64) on the window kernel's global-u1. Measured on an
    /// H200 (2026-12-04, `bench scan`, forward, docs/BENCHMARKS.md §3): the classic block at batch 4 0.608 ms against the
    /// lane kernel's 0.954, on one 256×256 image 2.16 against 3.48 ms; MambaIR-light on one 256×256 image 0.598 against 0.713 ms.
    /// </summary>
    public static CudaScanVariant Default => Channel;

    /// <summary><see cref="LaneStates"/> value that lets <see cref="LaneLayout.For"/> choose the states per lane from N.</summary>
    public const int AutoLaneStates = -1;

    /// <summary>Whether the forward runs the lane-per-state kernel (float32 only).</summary>
    public bool Lanes => LaneStates != 0;

    /// <summary>The channel-per-thread forward, for N ≤ 32 (float32 only).</summary>
    public static CudaScanVariant Channel { get; } = new(false, 1, 0, PerChannel: true);

    public override string ToString() => PerChannel ? "chan" : LaneStates == AutoLaneStates ? "lanes" : Lanes ? $"lanes-s{LaneStates}" : $"{(SharedBC ? "smem" : "global")}-u{Unroll}";

    /// <summary>The variant for tensors of <paramref name="dtype"/>: the lane kernel exists for float32 only.</summary>
    public CudaScanVariant For(ScalarType dtype) => (Lanes || PerChannel) && dtype != ScalarType.Float32 ? this with { LaneStates = 0, PerChannel = false } : this;

    /// <summary>The variant used for state size <paramref name="n"/>: the channel kernel holds at most 32 states per thread.</summary>
    public CudaScanVariant For(ScalarType dtype, int n) => PerChannel && n > ChannelMaxStates ? LaneDefault.For(dtype) : For(dtype);

    /// <summary>The largest N the channel-per-thread kernel takes (its states live in registers).</summary>
    public const int ChannelMaxStates = 32;

    /// <summary>Parses <c>global-u2</c>, <c>smem-u1</c>, <c>lanes-s4</c>, …; throws naming the accepted forms.</summary>
    public static CudaScanVariant Parse(string text)
    {
        var parts = text.Trim().ToLowerInvariant().Split('-');
        if (parts.Length == 2 && parts[0] is "global" or "smem" && parts[1] is "u1" or "u2" or "u4")
            return new CudaScanVariant(parts[0] == "smem", parts[1][1] - '0');
        if (parts is ["lanes"]) return new CudaScanVariant(false, 1, AutoLaneStates);
        if (parts is ["chan"]) return Channel;
        if (parts.Length == 2 && parts[0] == "lanes" && parts[1].StartsWith('s')
            && int.TryParse(parts[1].AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int spt) && spt is >= 1 and <= 16)
            return new CudaScanVariant(false, 1, spt);
        throw new ArgumentException($"CUDA scan variant '{text}' is not one of global-u1, global-u2, global-u4, smem-u1, smem-u2, smem-u4, lanes (automatic layout), lanes-s1 … lanes-s16, chan");
    }

    /// <summary>The override if set, else the environment variable's, else <see cref="Default"/>.</summary>
    public static CudaScanVariant Current =>
        CudaScanKernels.VariantOverride ?? (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } e ? Parse(e) : Default);
}

/// <summary>
/// How the lane kernel lays out N states: <see cref="StatesPerLane"/> states in each of <see cref="LanesPerChannel"/>
/// lanes (a power of two, at most 32), 32 / LanesPerChannel channels per warp, <see cref="Warps"/> warps per block.
/// </summary>
public readonly record struct LaneLayout(int StatesPerLane, int LanesPerChannel)
{
    public int ChannelsPerWarp => 32 / LanesPerChannel;
    public int Warps => ChannelsPerWarp <= 8 ? 4 : ChannelsPerWarp == 16 ? 2 : 1;
    public int ChannelsPerBlock => Warps * ChannelsPerWarp;

    /// <summary>
    /// Steps staged per window: 64, halved while the shared memory (B and C of every state, δ, δu, u and y of the block's
    /// channels; see the LWIN, SBS and SWS macros) would exceed the 48 KiB of static shared memory, and never more than
    /// the checkpoint window <paramref name="checkpointWindow"/>.
    /// </summary>
    public int WindowFor(int checkpointWindow)
    {
        int npad = StatesPerLane * LanesPerChannel;
        int sbs = npad + (StatesPerLane % 4 == 0 ? 4 : StatesPerLane % 2 == 0 ? 2 : 1);
        int win = Math.Min(64, checkpointWindow);
        while (win > Math.Max(4, LanesPerChannel) && 4L * (2L * win * sbs + 4L * ChannelsPerBlock * (win + 4)) > 48 * 1024) win /= 2;
        return win;
    }

    /// <summary>The layout for state size <paramref name="n"/> with about <paramref name="wanted"/> states per lane (more when N &gt; 32·wanted;
    /// <see cref="CudaScanVariant.AutoLaneStates"/>: 4 from N = 16 up, else 2, the fastest layouts measured).</summary>
    public static LaneLayout For(int n, int wanted)
    {
        if (wanted == CudaScanVariant.AutoLaneStates) wanted = n >= 16 ? 4 : 2;
        int spt = Math.Clamp(wanted, 1, n);
        while ((n + spt - 1) / spt > 32) spt++;
        int lanes = 1;
        while (lanes * spt < n) lanes *= 2;
        return new LaneLayout(spt, lanes);
    }
}

/// <summary>
/// The compiled scan kernels for one (device, dtype, N): compiled by NVRTC on first use (or read from the disk cache),
/// loaded into the device's primary context, and launched on the default stream.
/// </summary>
internal sealed class CudaScanKernels
{
    /// <summary>Warps (channels) per block; the block shares its group's B and C.</summary>
    public const int RowsMax = 4;

    /// <summary>Environment variable setting the warps (channels) per block of the window kernels (the backward, and float64's forward): 2, 4 or 8.</summary>
    public const string RowsEnvironmentVariable = "MAMBAIR_CUDA_SCAN_ROWS";

    /// <summary>
    /// Warps (channels) per block of the window kernels: <see cref="RowsMax"/> unless <see cref="RowsEnvironmentVariable"/>
    /// says otherwise. More rows share each window's dB/dC sum in shared memory before its atomics (8 rows: half the atomics
    /// of 4). The steps per lane are chosen for <see cref="RowsMax"/> rows either way.
    /// </summary>
    public static int Rows { get; } = RowsFrom(Environment.GetEnvironmentVariable(RowsEnvironmentVariable));

    /// <summary>The rows <paramref name="value"/> names (null or empty: <see cref="RowsMax"/>); throws naming the accepted values.</summary>
    public static int RowsFrom(string? value) => value switch
    {
        null or "" => RowsMax,
        "2" or "4" or "8" => int.Parse(value),
        _ => throw new ArgumentException($"{RowsEnvironmentVariable}={value}: expected 2, 4 or 8 (warps per block of the window kernels)"),
    };
    /// <summary>Largest state size compiled (shared memory holds a window of B and C for every state).</summary>
    public const int MaxStateSize = 64;
    const int SharedBudget = 46 * 1024;

    static readonly object Gate = new();
    static readonly Dictionary<(int Device, ScalarType Dtype, int N, CudaScanVariant Variant), CudaScanKernels> Loaded = new();
    static readonly List<string> _log = new();

    /// <summary>What was compiled or read from the cache, and how long it took (for <c>runtime</c> reports).</summary>
    public static IReadOnlyList<string> Log { get { lock (Gate) return _log.ToArray(); } }

    /// <summary>When set, the kernels of this variant are used (benchmarks comparing variants); process-wide.</summary>
    public static volatile CudaScanVariant? VariantOverride;

    /// <summary>Environment variable forcing the number of sequence segments per row (1: one pass over the whole sequence).</summary>
    public const string SegmentsEnvironmentVariable = "MAMBAIR_CUDA_SCAN_SEGMENTS";

    /// <summary>When set, every call uses this many segments per row (tests); else <see cref="SegmentsEnvironmentVariable"/>, else automatic.</summary>
    [ThreadStatic] static int? _segmentsOverride;
    public static int? SegmentsOverride { get => _segmentsOverride; set => _segmentsOverride = value; }

    readonly CudaDriver _driver;
    readonly IntPtr _context, _forward, _backward, _laneForward, _channelForward, _segmentStarts, _fourWay, _normGate;

    /// <summary>Environment variable setting the channels (threads) per block of the channel-per-thread kernels: 32, 64, 128 or 256.</summary>
    public const string ChannelBlockEnvironmentVariable = "MAMBAIR_CUDA_CHAN_BLOCK";

    /// <summary>Channels (threads) per block of the channel-per-thread kernels (the forward and the four-way SS2D scan).</summary>
    /// <remarks>Measured on an H200 (forward, 2026-12-04, one `bench scan` sweep): 64 against 128 and 32 channels, the classic
    /// block on one 256×256 image 2.28 / 2.09 / 2.96 ms, MambaIR-light on one 256×256 image 0.56 / 0.47 / 0.63 ms, the
    /// classic block at batch 4 0.60–0.66 / 0.61 / 0.79 ms. 128 looks faster but has not been through the GPU tests and
    /// the whole-network rows yet: 64, the configuration measured and tested, stays the default;
    /// <see cref="ChannelBlockEnvironmentVariable"/> picks another for a process.</remarks>
    public static int ChannelBlock { get; } = ChannelBlockFrom(Environment.GetEnvironmentVariable(ChannelBlockEnvironmentVariable));

    /// <summary>The block size <paramref name="value"/> names (null or empty: 64); throws naming the accepted values.</summary>
    public static int ChannelBlockFrom(string? value) => value switch
    {
        null or "" => 64,
        "32" or "64" or "128" or "256" => int.Parse(value),
        _ => throw new ArgumentException($"{ChannelBlockEnvironmentVariable}={value}: expected 32, 64, 128 or 256 (channels per block)"),
    };

    /// <summary>Largest dt_proj rank the four-way kernel holds in registers (<c>FW_RANK_MAX</c>).</summary>
    public const int FourWayMaxRank = 16;

    /// <summary>Whether the forward runs the channel-per-thread kernel.</summary>
    public bool PerChannel => _channelForward != IntPtr.Zero;
    /// <summary>Streaming multiprocessors of the device.</summary>
    public int Multiprocessors { get; }
    public int Device { get; }
    public int StateSize { get; }
    public int Items { get; }
    public CudaScanVariant Variant { get; }
    /// <summary>Elements per 16-byte access (4 float, 2 double).</summary>
    public int VectorWidth { get; }
    /// <summary>Steps per window: 32 lanes × <see cref="Items"/>.</summary>
    public int Window => 32 * Items;

    /// <summary>The lane kernel's layout when <see cref="Variant"/> runs it, else null.</summary>
    public LaneLayout? Lanes { get; }

    CudaScanKernels(CudaDriver driver, IntPtr context, IntPtr forward, IntPtr backward, IntPtr laneForward, IntPtr channelForward, IntPtr segmentStarts, IntPtr fourWay, IntPtr normGate,
        int device, int n, int items, int multiprocessors, CudaScanVariant variant, int vectorWidth, LaneLayout? lanes)
    {
        _driver = driver; _context = context; _forward = forward; _backward = backward; _laneForward = laneForward; _channelForward = channelForward; _segmentStarts = segmentStarts;
        _fourWay = fourWay; _normGate = normGate;
        Device = device; StateSize = n; Items = items; Multiprocessors = multiprocessors; Variant = variant; VectorWidth = vectorWidth; Lanes = lanes;
    }

    /// <summary>Environment variable setting the warps per multiprocessor the lane and channel kernels' segmentations aim at.</summary>
    public const string LaneWarpsEnvironmentVariable = "MAMBAIR_CUDA_LANE_WARPS";

    /// <summary>Resident warps per multiprocessor the lane kernel's segments aim at by default.</summary>
    const int LaneWarpsPerMultiprocessor = 32;

    /// <summary>Resident warps per multiprocessor the channel kernel's segments aim at by default.</summary>
    const int ChannelWarpsPerMultiprocessor = 12;

    /// <summary>The forward kernel's segmentation of <paramref name="rows"/> rows of <paramref name="length"/> steps.</summary>
    public (int Segments, int SegmentWindows) ForwardSegmentation(long rows, long length) =>
        PerChannel ? WarpSegmentation(Math.Max(1, (rows + 31) / 32), ChannelWarpsPerMultiprocessor, length)
        : Lanes is not null ? LaneSegmentation(rows, length) : Segmentation(rows, length);

    /// <summary>
    /// Segments per row and (checkpoint) windows per segment for the lane kernel's forward: one pass when its warps
    /// (rows · lanes per channel / 32) reach half the target per multiprocessor (<see cref="LaneWarpsEnvironmentVariable"/>,
    /// 32 by default), else enough segments to reach the target; forced counts as for <see cref="Segmentation(long, long)"/>.
    /// </summary>
    public (int Segments, int SegmentWindows) LaneSegmentation(long rows, long length) =>
        WarpSegmentation(Math.Max(1, rows * Lanes!.Value.LanesPerChannel / 32), LaneWarpsPerMultiprocessor, length);

    /// <summary>
    /// Segments for a forward whose rows make <paramref name="warps"/> warps: one pass when they reach half of
    /// <paramref name="target"/> warps per multiprocessor (<see cref="LaneWarpsEnvironmentVariable"/> overrides the target),
    /// else enough segments to reach it; forced counts as for <see cref="Segmentation(long, long)"/>.
    /// </summary>
    (int Segments, int SegmentWindows) WarpSegmentation(long warps, int target, long length)
    {
        if (Environment.GetEnvironmentVariable(LaneWarpsEnvironmentVariable) is { Length: > 0 } t && int.TryParse(t, out int tv) && tv > 0) target = tv;
        long goal = (long)target * Multiprocessors;
        long want = SegmentsOverride ?? EnvironmentSegments() ?? (2 * warps >= goal ? 1 : (goal + warps - 1) / warps);
        return Split(want, (length + Window - 1) / Window);
    }

    /// <summary>
    /// Segments per row and windows per segment. One warp per (batch, channel) row walks the sequence window after
    /// window; when there are too few rows to fill the GPU (a long sequence with few channels, e.g. MambaIR-light on one
    /// image), each row's sequence is cut into segments scanned by separate warps, at the price of a summary pass over
    /// the sequence (without outputs) that gives each segment its start. With fewer than 6 rows per multiprocessor, aim at
    /// about 48 warps per multiprocessor (measured on an H200: MambaIR-light's 288 rows at 256×256 ran 4.4× faster with 32
    /// segments than with one, while the classic block's 1440 rows ran fastest in one pass).
    /// </summary>
    public static (int Segments, int SegmentWindows) Segmentation(long rows, long windows, int multiprocessors, int? forced = null)
    {
        long want = forced ?? EnvironmentSegments() ?? (rows >= 6L * multiprocessors ? 1 : (48L * multiprocessors + rows - 1) / Math.Max(1, rows));
        return Split(want, windows);
    }

    /// <summary>The segment count <see cref="SegmentsEnvironmentVariable"/> forces, if it holds a positive integer.</summary>
    static long? EnvironmentSegments() =>
        Environment.GetEnvironmentVariable(SegmentsEnvironmentVariable) is { Length: > 0 } e && int.TryParse(e, out int v) && v > 0 ? v : null;

    /// <summary>About <paramref name="want"/> segments of whole windows (at least 1, at most one per window), each window in exactly one.</summary>
    static (int Segments, int SegmentWindows) Split(long want, long windows)
    {
        want = Math.Clamp(want, 1, Math.Max(1, windows));
        long per = (windows + want - 1) / want;
        return ((int)((windows + per - 1) / per), (int)per);
    }

    public (int Segments, int SegmentWindows) Segmentation(long rows, long length) =>
        Segmentation(rows, (length + Window - 1) / Window, Multiprocessors, SegmentsOverride);

    /// <summary>Steps per lane for state size <paramref name="n"/>: the most (8, 4, 2 or 1) whose backward shared memory fits.</summary>
    public static int ItemsFor(int n, int elementBytes)
    {
        foreach (int items in new[] { 8, 4, 2, 1 })
        {
            long pw = 33L * items;
            long bytes = (2L * n * pw + 2L * RowsMax * pw + 2L * RowsMax * n) * elementBytes;
            if (bytes <= SharedBudget) return items;
        }
        throw new ArgumentOutOfRangeException(nameof(n), n, "state size too large for the CUDA scan kernel");
    }

    /// <summary>NVRTC options of one configuration (macros of <see cref="ScanKernelSource"/>).</summary>
    public static IReadOnlyList<string> Options(ScalarType dtype, int n, int items, CudaScanVariant? variant = null)
    {
        variant = (variant ?? CudaScanVariant.Default).For(dtype, n);
        var options = new List<string>
        {
            $"-DSCALAR_DOUBLE={(dtype == ScalarType.Float64 ? 1 : 0)}", $"-DNSTATE={n}", $"-DITEMS={items}", $"-DROWS_MAX={Rows}",
            $"-DBC_SMEM={(variant.SharedBC ? 1 : 0)}", $"-DNUNROLL={variant.Unroll}",
        };
        if (variant.Lanes)
        {
            var layout = LaneLayout.For(n, variant.LaneStates);
            options.AddRange(new[] { $"-DSPT={layout.StatesPerLane}", $"-DLPC={layout.LanesPerChannel}", $"-DLWIN={layout.WindowFor(32 * items)}" });
        }
        if (variant.PerChannel)
            options.AddRange(new[] { "-DCHAN=1", $"-DCHAN_BLOCK={ChannelBlock}", $"-DCHAN_WINDOW={Math.Min(64, 32 * items)}" });
        return options;
    }

    /// <summary>The source compiled for every configuration: the window kernels and the lane kernel (built only with its macros).</summary>
    public static string Source => ScanKernelSource.Text + LaneScanKernelSource.Text + ChannelScanKernelSource.Text + FourWayScanKernelSource.Text;

    /// <summary>Cache label of one configuration, e.g. <c>scan-f32-n16-i8-global-u2</c>.</summary>
    public static string Label(ScalarType dtype, int n, int items, CudaScanVariant? variant = null) =>
        $"scan-{(dtype == ScalarType.Float64 ? "f64" : "f32")}-n{n}-i{items}-{(variant ?? CudaScanVariant.Default).For(dtype, n)}";

    /// <summary>The kernels for tensors of <paramref name="dtype"/> on CUDA device <paramref name="device"/> and state size <paramref name="n"/>.</summary>
    public static CudaScanKernels For(int device, ScalarType dtype, int n)
    {
        var variant = CudaScanVariant.Current.For(dtype, n);
        if (variant.SharedBC && Rows > RowsMax)
            throw new ArgumentException($"{RowsEnvironmentVariable}={Rows} does not fit the shared memory of the {variant} build: use at most {RowsMax} rows with it");
        lock (Gate)
        {
            if (Loaded.TryGetValue((device, dtype, n, variant), out var k)) return k;
            int items = ItemsFor(n, dtype == ScalarType.Float64 ? 8 : 4);
            var module = CudaModule.Load(device, Source, Label(dtype, n, items, variant), Options(dtype, n, items, variant));
            var driver = module.Driver;
            // The queries below need the module's context current: the first scan of a process may come before libtorch
            // has made its own context current on this thread.
            using var current = new CudaContextScope(driver, module.Context);
            IntPtr fwd = module.Function("mambair_scan_fwd"), bwd = module.Function("mambair_scan_bwd");
            LaneLayout? layout = variant.Lanes ? LaneLayout.For(n, variant.LaneStates) : null;
            IntPtr laneFwd = layout is null ? IntPtr.Zero : module.Function("mambair_scan_fwd_lanes");
            IntPtr chanFwd = variant.PerChannel ? module.Function("mambair_scan_fwd_chan") : IntPtr.Zero;
            IntPtr segStarts = variant.PerChannel ? module.Function("mambair_scan_seg_starts") : IntPtr.Zero;
            IntPtr fourWay = variant.PerChannel ? module.Function("mambair_scan_fourway_chan") : IntPtr.Zero;
            IntPtr normGate = variant.PerChannel ? module.Function("mambair_fourway_norm_gate") : IntPtr.Zero;
            if (variant.SharedBC)
            {
                // B and C live in shared memory: ask for the largest shared-memory share of the L1 (a hint).
                driver.TrySetFunctionAttribute(fwd, CudaDriver.FuncAttributePreferredSharedMemoryCarveout, 100);
                driver.TrySetFunctionAttribute(bwd, CudaDriver.FuncAttributePreferredSharedMemoryCarveout, 100);
            }
            int regsF = driver.FunctionAttribute(fwd, 4), regsB = driver.FunctionAttribute(bwd, 4);
            int localF = driver.FunctionAttribute(fwd, 3), localB = driver.FunctionAttribute(bwd, 3);
            int occF = driver.BlocksPerMultiprocessor(fwd, 32 * Rows), occB = driver.BlocksPerMultiprocessor(bwd, 32 * Rows);
            string lanes = "";
            if (layout is { } lay)
                lanes = $"; lane forward ({lay.StatesPerLane} states × {lay.LanesPerChannel} lanes per channel): registers {driver.FunctionAttribute(laneFwd, 4)}, " +
                        $"local memory {driver.FunctionAttribute(laneFwd, 3)} bytes, blocks of {32 * lay.Warps} per SM {driver.BlocksPerMultiprocessor(laneFwd, 32 * lay.Warps)}";
            if (chanFwd != IntPtr.Zero)
                lanes = $"; channel forward: registers {driver.FunctionAttribute(chanFwd, 4)}, local memory {driver.FunctionAttribute(chanFwd, 3)} bytes, " +
                        $"blocks of {ChannelBlock} per SM {driver.BlocksPerMultiprocessor(chanFwd, ChannelBlock)}; four-way SS2D scan: registers " +
                        $"{driver.FunctionAttribute(fourWay, 4)}, local memory {driver.FunctionAttribute(fourWay, 3)} bytes, blocks per SM {driver.BlocksPerMultiprocessor(fourWay, ChannelBlock)}";
            _log.Add($"{module.Origin}; " +
                     $"registers fwd {regsF} / bwd {regsB}, local memory fwd {localF} / bwd {localB} bytes, blocks of {32 * Rows} per SM fwd {occF} / bwd {occB}{lanes}");
            k = new CudaScanKernels(driver, module.Context, fwd, bwd, laneFwd, chanFwd, segStarts, fourWay, normGate, device, n, items, module.Multiprocessors,
                variant, dtype == ScalarType.Float64 ? 2 : 4, layout);
            Loaded[(device, dtype, n, variant)] = k;
            return k;
        }
    }

    /// <summary>Grid and block of one call: blocks of up to <see cref="Rows"/> channels of one (batch, group), per segment.</summary>
    public static ((uint X, uint Y, uint Z) Grid, uint Block, int Rows) Shape(long batch, long channels, long groups, int segments = 1)
    {
        long cpg = channels / groups;
        int rows = (int)Math.Min(Rows, cpg);
        return (((uint)((cpg + rows - 1) / rows * segments), (uint)groups, (uint)batch), (uint)(32 * rows), rows);
    }

    /// <summary>Runs the forward: with several segments (<c>p.Segments</c>), the summary pass, then the final one.</summary>
    public void Forward(ref ScanForwardParams p, long batch, long channels, long groups)
    {
        p.CheckpointWindow = Window;
        if (PerChannel)
        {
            long tiles = (channels / groups + ChannelBlock - 1) / ChannelBlock;
            var chanGrid = ((uint)(tiles * p.Segments), (uint)groups, (uint)batch);
            using var __ = new CudaContextScope(_driver, _context);
            if (p.Segments > 1)
            {
                p.Mode = 1;
                _driver.Launch(_channelForward, chanGrid, (uint)ChannelBlock, ref p, "mambair_scan_fwd_chan (summary)");
                long starts = batch * channels * StateSize;
                _driver.Launch(_segmentStarts, ((uint)((starts + 255) / 256), 1u, 1u), 256, ref p, "mambair_scan_seg_starts");
            }
            p.Mode = 0;
            _driver.Launch(_channelForward, chanGrid, (uint)ChannelBlock, ref p, "mambair_scan_fwd_chan");
            return;
        }
        if (Lanes is { } lay)
        {
            // Blocks of up to ChannelsPerBlock channels of one (batch, group), per segment.
            long tiles = (channels / groups + lay.ChannelsPerBlock - 1) / lay.ChannelsPerBlock;
            var laneGrid = ((uint)(tiles * p.Segments), (uint)groups, (uint)batch);
            using var __ = new CudaContextScope(_driver, _context);
            if (p.Segments > 1) { p.Mode = 1; _driver.Launch(_laneForward, laneGrid, (uint)(32 * lay.Warps), ref p, "mambair_scan_fwd_lanes (summary)"); }
            p.Mode = 0;
            _driver.Launch(_laneForward, laneGrid, (uint)(32 * lay.Warps), ref p, "mambair_scan_fwd_lanes");
            return;
        }
        var (grid, block, rows) = Shape(batch, channels, groups, p.Segments);
        p.Rows = rows;
        using var _ = new CudaContextScope(_driver, _context);
        if (p.Segments > 1) { p.Mode = 1; _driver.Launch(_forward, grid, block, ref p, "mambair_scan_fwd (summary)"); }
        p.Mode = 0;
        _driver.Launch(_forward, grid, block, ref p, "mambair_scan_fwd");
    }

    /// <summary>Whether the four-way SS2D kernel is loaded (the channel-per-thread build).</summary>
    public bool FourWays => _fourWay != IntPtr.Zero;

    /// <summary>
    /// Runs SS2D's four-direction scan (<see cref="FourWayScanKernelSource"/>) on <paramref name="batch"/> images of
    /// <paramref name="channels"/> channels: with several segments, the summary pass and the segments' starts first.
    /// </summary>
    public void ForwardFourWays(ref FourWayScanParams p, long batch, long channels)
    {
        if (!FourWays) throw new InvalidOperationException("the four-way SS2D kernel is built only with the channel-per-thread variant");
        long tiles = (channels + ChannelBlock - 1) / ChannelBlock;
        var grid = ((uint)(tiles * p.Segments), (uint)FourWayScanInputs.Directions, (uint)batch);
        using var _ = new CudaContextScope(_driver, _context);
        if (p.Segments > 1)
        {
            p.Mode = 1;
            _driver.Launch(_fourWay, grid, (uint)ChannelBlock, ref p, "mambair_scan_fourway_chan (summary)");
            // The segments' start states over the summaries, row by row as for the channel forward: rows are (batch, direction, channel).
            var starts = new ScanForwardParams
            {
                SegmentEnd = p.SegmentEnd, SegmentDecay = p.SegmentDecay, Batch = (int)batch,
                Channels = (int)(FourWayScanInputs.Directions * channels), Segments = p.Segments,
            };
            long count = batch * FourWayScanInputs.Directions * channels * StateSize;
            _driver.Launch(_segmentStarts, ((uint)((count + 255) / 256), 1u, 1u), 256, ref starts, "mambair_scan_seg_starts");
        }
        p.Mode = 0;
        _driver.Launch(_fourWay, grid, (uint)ChannelBlock, ref p, "mambair_scan_fourway_chan");
    }

    /// <summary>Merges the four-way kernel's outputs, normalises and gates them (<c>mambair_fourway_norm_gate</c>, one warp per pixel).</summary>
    public void NormGate(ref FourWayNormGateParams p)
    {
        if (!FourWays) throw new InvalidOperationException("the four-way SS2D kernels are built only with the channel-per-thread variant");
        using var _ = new CudaContextScope(_driver, _context);
        _driver.Launch(_normGate, ((uint)((p.Pixels + 7) / 8), 1u, 1u), 256, ref p, "mambair_fourway_norm_gate");
    }

    /// <summary>Runs the backward likewise; <c>GradA</c>, <c>GradD</c> and <c>GradBias</c> must be zeroed (segments add to them).</summary>
    public void Backward(ref ScanBackwardParams p, long batch, long channels, long groups)
    {
        var (grid, block, rows) = Shape(batch, channels, groups, p.Segments);
        p.Rows = rows;
        using var _ = new CudaContextScope(_driver, _context);
        if (p.Segments > 1) { p.Mode = 1; _driver.Launch(_backward, grid, block, ref p, "mambair_scan_bwd (summary)"); }
        p.Mode = 0;
        _driver.Launch(_backward, grid, block, ref p, "mambair_scan_bwd");
    }
}
