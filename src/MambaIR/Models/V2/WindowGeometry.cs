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
