using MambaIR.Native.Cuda;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Ops.Cuda;

/// <summary>
/// The tensor side of the CUDA kernels: contiguous inputs, outputs allocated through libtorch (its caching allocator,
/// on the tensors' device), device addresses handed to <see cref="CudaScanKernels"/>, and the reductions over the batch
/// of the per-row gradient partials.
/// </summary>
internal static class CudaScanRunner
{
    /// <param name="Segments">Sequence segments per row the forward used (the backward uses as many).</param>
    public sealed record ForwardResult(Tensor Output, Tensor? LastState, Tensor? Checkpoints, int Segments);

    public sealed record Gradients(Tensor U, Tensor Delta, Tensor A, Tensor B, Tensor C, Tensor? D, Tensor? Z, Tensor? DeltaBias);

    static int DeviceIndex(Tensor t) => Math.Max(0, (int)t.device.index);

    /// <summary>Runs the forward; with <paramref name="keepCheckpoints"/> also returns the states entering every window, (Bt, Dm, windows, N).</summary>
    public static ForwardResult Forward(SelectiveScanInputs x, bool keepCheckpoints)
    {
        using var scope = NewDisposeScope();
        var k = CudaScanKernels.For(DeviceIndex(x.U), x.U.dtype, (int)x.StateSize);
        long bt = x.Batch, dm = x.Channels, l = x.Length, n = x.StateSize, g = x.Groups;
        var inp = new Prepared(x);
        var output = empty(new[] { bt, dm, l }, dtype: x.U.dtype, device: x.U.device);
        var last = x.ReturnLastState ? empty(new[] { bt, dm, n }, dtype: x.U.dtype, device: x.U.device) : null;
        long windows = (l + k.Window - 1) / k.Window;
        var checkpoints = keepCheckpoints ? empty(new[] { bt, dm, windows, n }, dtype: x.U.dtype, device: x.U.device) : null;
        // The lane and channel kernels segment by their own rules; the backward (the window kernel) is handed the window kernel's.
        var windowSegmentation = k.Segmentation(bt * dm, l);
        var (segments, segWindows) = k.ForwardSegmentation(bt * dm, l);
        var segEnd = segments > 1 ? empty(new[] { bt, dm, segments, n }, dtype: x.U.dtype, device: x.U.device) : null;
        var segDecay = segments > 1 ? empty(new[] { bt, dm, segments, n }, dtype: x.U.dtype, device: x.U.device) : null;
        var p = new ScanForwardParams
        {
            U = TensorAddress.Of(inp.U), Delta = TensorAddress.Of(inp.Delta), A = TensorAddress.Of(inp.A), B = TensorAddress.Of(inp.B), C = TensorAddress.Of(inp.C),
            D = TensorAddress.Of(inp.D), Z = TensorAddress.Of(inp.Z), Bias = TensorAddress.Of(inp.Bias),
            Out = TensorAddress.Of(output), Last = TensorAddress.Of(last), Checkpoints = TensorAddress.Of(checkpoints),
            SegmentEnd = TensorAddress.Of(segEnd), SegmentDecay = TensorAddress.Of(segDecay),
            Batch = (int)bt, Channels = (int)dm, Length = (int)l, Groups = (int)g, Softplus = x.DeltaSoftplus ? 1 : 0,
            Segments = segments, SegmentWindows = segWindows,
        };
        p.Vec = Vectorizable(k, l, p.U, p.Delta, p.B, p.C, p.Z, p.Out) ? 1 : 0;
        k.Forward(ref p, bt, dm, g);
        return new ForwardResult(output.MoveToOuterDisposeScope(), last?.MoveToOuterDisposeScope(), checkpoints?.MoveToOuterDisposeScope(), windowSegmentation.Segments);
    }

    /// <summary>Gradients of every input from the forward's checkpoints.</summary>
    public static Gradients Backward(SelectiveScanInputs x, Tensor checkpoints, Tensor gradOutput, Tensor? gradLastState, int? segmentsHint = null)
    {
        using var scope = NewDisposeScope();
        var k = CudaScanKernels.For(DeviceIndex(x.U), x.U.dtype, (int)x.StateSize);
        long bt = x.Batch, dm = x.Channels, l = x.Length, n = x.StateSize, g = x.Groups;
        var dtype = x.U.dtype;
        var dev = x.U.device;
        var inp = new Prepared(x);
        var gOut = gradOutput.to_type(dtype).contiguous();
        var gLast = gradLastState?.to_type(dtype).contiguous();
        var ckpt = checkpoints.contiguous();
        Tensor E(params long[] s) => empty(s, dtype: dtype, device: dev);
        var gu = E(bt, dm, l);
        var gdelta = E(bt, dm, l);
        var gz = x.Z is null ? null : E(bt, dm, l);
        Tensor Z0(params long[] s) => zeros(s, dtype: dtype, device: dev);
        var gA = Z0(bt, dm, n);
        var gB = Z0(bt, g, n, l);
        var gC = Z0(bt, g, n, l);
        var gD = Z0(bt, dm);
        var gBias = Z0(bt, dm);
        var (segments, segWindows) = segmentsHint is { } hint
            ? CudaScanKernels.Segmentation(bt * dm, (l + k.Window - 1) / k.Window, k.Multiprocessors, hint)
            : k.Segmentation(bt * dm, l);
        var segEnd = segments > 1 ? E(bt, dm, segments, n) : null;
        var segDecay = segments > 1 ? E(bt, dm, segments, n) : null;
        var p = new ScanBackwardParams
        {
            U = TensorAddress.Of(inp.U), Delta = TensorAddress.Of(inp.Delta), A = TensorAddress.Of(inp.A), B = TensorAddress.Of(inp.B), C = TensorAddress.Of(inp.C),
            D = TensorAddress.Of(inp.D), Z = TensorAddress.Of(inp.Z), Bias = TensorAddress.Of(inp.Bias), Checkpoints = TensorAddress.Of(ckpt),
            GradOut = TensorAddress.Of(gOut), GradLast = TensorAddress.Of(gLast),
            GradU = TensorAddress.Of(gu), GradDelta = TensorAddress.Of(gdelta), GradZ = TensorAddress.Of(gz), GradA = TensorAddress.Of(gA),
            GradB = TensorAddress.Of(gB), GradC = TensorAddress.Of(gC), GradD = TensorAddress.Of(gD), GradBias = TensorAddress.Of(gBias),
            SegmentEnd = TensorAddress.Of(segEnd), SegmentDecay = TensorAddress.Of(segDecay),
            Batch = (int)bt, Channels = (int)dm, Length = (int)l, Groups = (int)g, Softplus = x.DeltaSoftplus ? 1 : 0,
            Segments = segments, SegmentWindows = segWindows,
        };
        p.Vec = Vectorizable(k, l, p.U, p.Delta, p.B, p.C, p.Z, p.GradOut, p.GradU, p.GradDelta, p.GradZ) ? 1 : 0;
        k.Backward(ref p, bt, dm, g);
        Tensor Keep(Tensor t) => t.MoveToOuterDisposeScope();
        return new Gradients(
            Keep(gu), Keep(gdelta), Keep(gA.sum(dim: 0)), Keep(gB.view(x.B.shape)), Keep(gC.view(x.C.shape)),
            x.D is null ? null : Keep(gD.sum(dim: 0)), gz is null ? null : Keep(gz), x.DeltaBias is null ? null : Keep(gBias.sum(dim: 0)));
    }

    /// <summary>
    /// SS2D's four-direction scan of <paramref name="x"/> (float32 CUDA tensors, no autograd) in one kernel: x_proj of all
    /// four directions as one matmul of x in raster order, (B·L, 4·(R + 2N)); dt_proj, the scan and the D skip in
    /// <see cref="FourWayScanKernelSource"/>; the four directions' outputs, each written at its pixels, summed: y (B, H, W, D);
    /// with <paramref name="gate"/>, out_norm(y) · SiLU(z) made in the same pass as the sum (float32 z and norm).
    /// </summary>
    public static Tensor ForwardFourWays(FourWayScanInputs x, FourWayOutputGate? gate = null)
    {
        using var scope = NewDisposeScope();
        long bt = x.Batch, h = x.Height, w = x.Width, d = x.Channels, n = x.StateSize, r = x.Rank, l = h * w;
        const int K = FourWayScanInputs.Directions;
        long cw = r + 2 * n;
        var k = CudaScanKernels.For(DeviceIndex(x.X), ScalarType.Float32, (int)n);
        var u = x.X.contiguous();
        var xDbl = matmul(u.view(bt * l, d), x.XProjWeight.reshape(K * cw, d).t());   // (B·L, 4·(R + 2N)), contiguous
        var a = x.ALogs.exp().neg_();
        var dtw = x.DtProjWeight.contiguous();
        var bias = x.DtProjBias.contiguous();
        var ds = x.Ds.contiguous();
        var output = empty(new[] { K, bt, h, w, d }, dtype: ScalarType.Float32, device: x.X.device);
        var (segments, segWindows) = k.ForwardSegmentation(bt * K * d, l);
        var segEnd = segments > 1 ? empty(new[] { bt, K * d, segments, n }, dtype: ScalarType.Float32, device: x.X.device) : null;
        var segDecay = segments > 1 ? empty(new[] { bt, K * d, segments, n }, dtype: ScalarType.Float32, device: x.X.device) : null;
        var p = new FourWayScanParams
        {
            X = TensorAddress.Of(u), XDbl = TensorAddress.Of(xDbl), DtWeight = TensorAddress.Of(dtw), Bias = TensorAddress.Of(bias),
            A = TensorAddress.Of(a), D = TensorAddress.Of(ds), Out = TensorAddress.Of(output),
            SegmentEnd = TensorAddress.Of(segEnd), SegmentDecay = TensorAddress.Of(segDecay),
            Batch = (int)bt, Channels = (int)d, Height = (int)h, Width = (int)w, Length = (int)l, Rank = (int)r,
            Segments = segments, SegmentSteps = segWindows * k.Window, XDblStride = (int)(K * cw),
        };
        k.ForwardFourWays(ref p, bt, d);
        if (gate is null) return output.sum(0).MoveToOuterDisposeScope();
        var z = gate.Z;
        // z's pixels at one stride (a channel slice of a (B, H, W, 2·D) tensor has stride 2·D), else a contiguous copy.
        if (z.stride(3) != 1 || z.stride(1) != w * z.stride(2) || z.stride(0) != h * z.stride(1)) z = z.contiguous();
        var gated = empty(new[] { bt, h, w, d }, dtype: ScalarType.Float32, device: x.X.device);
        var ng = new FourWayNormGateParams
        {
            Y4 = TensorAddress.Of(output), Z = TensorAddress.Of(z), Weight = TensorAddress.Of(gate.NormWeight.contiguous()),
            Bias = TensorAddress.Of(gate.NormBias.contiguous()), Out = TensorAddress.Of(gated),
            Pixels = bt * l, Channels = (int)d, ZStride = (int)z.stride(2), Eps = (float)gate.Eps,
        };
        k.NormGate(ref ng);
        return gated.MoveToOuterDisposeScope();
    }

    /// <summary>Rows of length <paramref name="length"/> starting at these addresses can be read 16 bytes at a time.</summary>
    static bool Vectorizable(CudaScanKernels k, long length, params ulong[] addresses) =>
        length % k.VectorWidth == 0 && addresses.All(a => a % 16 == 0);

    /// <summary>Contiguous views or copies of the inputs (B and C as (Bt, G, N, L)); live in the caller's dispose scope.</summary>
    sealed class Prepared(SelectiveScanInputs x)
    {
        public Tensor U { get; } = x.U.contiguous();
        public Tensor Delta { get; } = x.Delta.contiguous();
        public Tensor A { get; } = x.A.contiguous();
        public Tensor B { get; } = x.B.contiguous();
        public Tensor C { get; } = x.C.contiguous();
        public Tensor? D { get; } = x.D?.contiguous();
        public Tensor? Z { get; } = x.Z?.contiguous();
        public Tensor? Bias { get; } = x.DeltaBias?.contiguous();
    }
}
