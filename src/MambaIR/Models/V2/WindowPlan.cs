using static TorchSharp.torch;

namespace MambaIR.Models.V2;

/// <summary>
/// How the attentive layers of one forward cut an H × W map into windows: the token order (the official roll by
/// (−shift, −shift) and row-major partition, as one index: <see cref="WindowGeometry.WindowOrder"/>) and its inverse,
/// with the windows that the shifted-window mask leaves untouched first and the ones it changes (the last window row
/// and column, where the roll brings separate regions together) last, with their masks. The interior windows then run
/// with the bias alone; the result is the official one, whose mask is 0 on those windows.
/// </summary>
internal sealed record WindowPlan(Tensor Order, Tensor Inverse, long Windows, long Interior, Tensor? BorderMask)
{
    /// <summary>The plan for windows of side <paramref name="ws"/> shifted by <paramref name="shift"/> (0: no shift, no mask).</summary>
    public static WindowPlan Create(long h, long w, long ws, long shift, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        long windows = h / ws * (w / ws);
        if (shift == 0)
        {
            var (order0, inverse0) = WindowGeometry.WindowOrder(h, w, ws, 0, device);
            return new WindowPlan(order0.MoveToOuterDisposeScope(), inverse0.MoveToOuterDisposeScope(), windows, windows, null);
        }
        var mask = WindowGeometry.ShiftedWindowMask(h, w, ws, dtype, CPU);                     // (nW, n, n), official window order
        var border = mask.ne(0).flatten(1).any(1);
        var windowOrder = cat(new[] { border.logical_not().nonzero().view(-1), border.nonzero().view(-1) });
        long interior = windows - border.sum().item<long>();
        var (order, inverse) = WindowGeometry.WindowOrder(h, w, ws, shift, CPU, windowOrder);
        var borderMask = mask.index_select(0, windowOrder.narrow(0, interior, windows - interior)).to(device);
        return new WindowPlan(order.to(device).MoveToOuterDisposeScope(), inverse.to(device).MoveToOuterDisposeScope(), windows, interior,
            borderMask.MoveToOuterDisposeScope());
    }
}
