using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// MORN, MORAN's multi-object rectification network, in test mode (MORAN_v2 <c>MORN.forward(x, test=True)</c>):
/// a small CNN predicts vertical offsets on a coarse grid, they are max-pooled by sign, upsampled with
/// <c>grid_sample</c> and added to the sampling grid's y; one further refinement pass (<c>enhance = 1</c>) runs on the
/// rectified image. State-dict keys: <c>cnn.{1,2,5,6,9,10,12,13,15,16}.*</c>.
/// </summary>
public sealed class MoranRectifier : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly Sequential cnn;
    readonly MaxPool2d pool;
#pragma warning restore IDE1006
    readonly int _targetHeight, _targetWidth;

    /// <summary>Test-mode refinement passes (MORN's <c>enhance</c> default).</summary>
    public const int Enhance = 1;

    /// <summary>Creates MORN (<c>MORN(nc, targetH, targetW)</c>).</summary>
    public MoranRectifier(int inputChannels = 1, int targetHeight = 32, int targetWidth = 100) : base(nameof(MoranRectifier))
    {
        _targetHeight = targetHeight;
        _targetWidth = targetWidth;
        cnn = nn.Sequential(
            ("0", nn.MaxPool2d(2, 2)),
            ("1", nn.Conv2d(inputChannels, 64, 3, 1, 1)), ("2", nn.BatchNorm2d(64)), ("3", nn.ReLU()), ("4", nn.MaxPool2d(2, 2)),
            ("5", nn.Conv2d(64, 128, 3, 1, 1)), ("6", nn.BatchNorm2d(128)), ("7", nn.ReLU()), ("8", nn.MaxPool2d(2, 2)),
            ("9", nn.Conv2d(128, 64, 3, 1, 1)), ("10", nn.BatchNorm2d(64)), ("11", nn.ReLU()),
            ("12", nn.Conv2d(64, 16, 3, 1, 1)), ("13", nn.BatchNorm2d(16)), ("14", nn.ReLU()),
            ("15", nn.Conv2d(16, 1, 3, 1, 1)), ("16", nn.BatchNorm2d(1)));
        pool = nn.MaxPool2d(2, 1);
        RegisterComponents();
    }

    /// <summary>(B, C, H, W) images → rectified (B, C, targetH, targetW).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0];
        var grid = BaseGrid(x.dtype, x.device).expand(b, _targetHeight, _targetWidth, 2);
        var gridX = grid[.., .., .., 0].unsqueeze(3);
        var gridY = grid[.., .., .., 1].unsqueeze(3);

        // nn.functional.upsample(..., mode='bilinear') has align_corners=False in PyTorch >= 0.4.
        var xSmall = F.interpolate(x, size: [_targetHeight, _targetWidth], mode: InterpolationMode.Bilinear, align_corners: false);
        var offsetsGrid = PooledOffsets(xSmall, grid);
        var xRectified = F.grid_sample(x, cat([gridX, gridY + offsetsGrid], 3), align_corners: false);
        for (int i = 0; i < Enhance; i++)
        {
            offsetsGrid = offsetsGrid + PooledOffsets(xRectified, grid);
            xRectified = F.grid_sample(x, cat([gridX, gridY + offsetsGrid], 3), align_corners: false);
        }
        return xRectified.MoveToOuterDisposeScope();
    }

    /// <summary>Predicted offsets, max-pooled separately for their positive and negative parts, sampled onto the grid.</summary>
    Tensor PooledOffsets(Tensor image, Tensor grid)
    {
        var offsets = cnn.call(image);
        var positive = F.relu(offsets);
        var negative = F.relu(-offsets);
        var pooled = pool.call(positive) - pool.call(negative);
        return F.grid_sample(pooled, grid, align_corners: false).permute(0, 2, 3, 1).contiguous();
    }

    /// <summary>
    /// The identity sampling grid (1, H, W, 2) with (x, y) in [−1, 1], computed in float64 as MORN does with NumPy
    /// (<c>arange(n) * 2 / (n − 1) − 1</c>) and stored as float32 (MORN's <c>inputDataType</c>); the grid is not a
    /// buffer, so a float64 model still samples with these float32 values (as the float64 reference run does).
    /// </summary>
    Tensor BaseGrid(ScalarType dtype, Device device)
    {
        var h = arange(_targetHeight, ScalarType.Float64) * 2.0 / (_targetHeight - 1) - 1;
        var w = arange(_targetWidth, ScalarType.Float64) * 2.0 / (_targetWidth - 1) - 1;
        var gx = w.view(1, _targetWidth).expand(_targetHeight, _targetWidth);
        var gy = h.view(_targetHeight, 1).expand(_targetHeight, _targetWidth);
        return stack([gx, gy], -1).unsqueeze(0).to(ScalarType.Float32).to(dtype, device);
    }
}
