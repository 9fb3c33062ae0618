using static TorchSharp.torch;

namespace MambaIR.Models.V2;

/// <summary>
/// The window bookkeeping of MambaIRv2's (shifted) window attention, as the official code defines it: row-major
/// partition into ws×ws windows and its inverse, the relative position index of a window, and the shifted-window mask.
/// </summary>
public static class WindowGeometry
{
    /// <summary>(B, H, W, C) → (B·H/ws·W/ws, ws, ws, C), windows in row-major order, batch outermost.</summary>
    public static Tensor Partition(Tensor x, long ws)
    {
        long b = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
        return x.view(b, h / ws, ws, w / ws, ws, c).permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, ws, ws, c);
    }

    /// <summary>The inverse of <see cref="Partition"/>: (B·nW, ws, ws, C) → (B, H, W, C).</summary>
    public static Tensor Reverse(Tensor windows, long ws, long h, long w)
    {
        long b = windows.shape[0] / (h / ws * (w / ws));
        return windows.view(b, h / ws, w / ws, ws, ws, -1).permute(0, 1, 3, 2, 4, 5).contiguous().view(b, h, w, -1);
    }

    /// <summary>
    /// The token order of the official roll → partition (and of its inverse, partition⁻¹ → roll back) as one index:
    /// entry t (window-major, row-major inside a window, as <see cref="Partition"/> orders them, of the map rolled by
    /// (−shift, −shift)) is the raster index of the pixel it holds, ((y + shift) mod H)·W + (x + shift) mod W. So
    /// <c>tokens.index_select(1, order)</c> is the rolled partition of (B, H·W, C) tokens, and
    /// <c>windows.index_select(1, inverse)</c> with the inverse permutation puts the windows back and rolls them back.
    /// </summary>
    /// <param name="windows">The windows in the order wanted (indices of the row-major windows), or null for row-major.</param>
    public static (Tensor Order, Tensor Inverse) WindowOrder(long h, long w, long ws, long shift, Device device, Tensor? windows = null)
    {
        using var scope = NewDisposeScope();
        var t = arange(h * w, dtype: ScalarType.Int64).view(h / ws, w / ws, ws, ws);       // (wy, wx, py, px) → t
        var wy = arange(h / ws, dtype: ScalarType.Int64).view(-1, 1, 1, 1);
        var wx = arange(w / ws, dtype: ScalarType.Int64).view(1, -1, 1, 1);
        var py = arange(ws, dtype: ScalarType.Int64).view(1, 1, -1, 1);
        var px = arange(ws, dtype: ScalarType.Int64).view(1, 1, 1, -1);
        var y = (wy * ws + py + shift).remainder(h);
        var x = (wx * ws + px + shift).remainder(w);
        var order = (y * w + x).reshape(-1, ws * ws);
        if (windows is not null) order = order.index_select(0, windows);
        order = order.reshape(-1);
        var inverse = zeros_like(order).scatter_(0, order, t.reshape(-1));
        return (order.to(device).MoveToOuterDisposeScope(), inverse.to(device).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The official <c>relative_position_index_SA</c> buffer, (ws², ws²) int64: for tokens i, j of a window (row-major),
    /// (Δh + ws − 1)·(2ws − 1) + (Δw + ws − 1) with Δ = coord_i − coord_j, an index into the ((2ws−1)², heads) bias table.
    /// </summary>
    public static Tensor RelativePositionIndex(long ws)
    {
        using var scope = NewDisposeScope();
        var t = arange(ws * ws, dtype: ScalarType.Int64);
        var row = t.div(ws, rounding_mode: RoundingMode.floor);
        var col = t.remainder(ws);
        var dh = row.unsqueeze(1) - row.unsqueeze(0) + (ws - 1);
        var dw = col.unsqueeze(1) - col.unsqueeze(0) + (ws - 1);
        return (dh * (2 * ws - 1) + dw).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The attention mask of the shifted layers for an (H, W) feature map (multiples of ws), (nW, ws², ws²): the map
    /// is cut into regions by the slices [0, −ws), [−ws, −ws/2), [−ws/2, end) of each axis (the parts that the cyclic
    /// shift brings together); token pairs of one window in different regions get −100, the others 0.
    /// </summary>
    public static Tensor ShiftedWindowMask(long h, long w, long ws, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        long shift = ws / 2;
        Tensor Regions(long n)
        {
            var i = arange(n, dtype: ScalarType.Int64);
            return (i >= n - ws).to(ScalarType.Int64) + (i >= n - shift).to(ScalarType.Int64);
        }
        var regions = (Regions(h).unsqueeze(1) * 3 + Regions(w).unsqueeze(0)).to(dtype).view(1, h, w, 1);
        var windows = Partition(regions, ws).view(-1, ws * ws);
        var diff = windows.unsqueeze(1) - windows.unsqueeze(2);
        return zeros_like(diff).masked_fill(diff.ne(0), -100.0).to(device).MoveToOuterDisposeScope();
    }
}
