using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MambaIR.Text.Recognizers;

/// <summary>
/// ASTER's thin-plate-spline sampler (<c>TPSSpatialTransformer(output_image_size=(32, 100), num_control_points=20,
/// margins=(0.05, 0.05))</c>). Target control points lie on two rows at the margins; the TPS mapping from them to the
/// predicted source points is solved with the precomputed inverse kernel, evaluated on every output pixel, clamped to
/// [0, 1] and used with <c>grid_sample</c> (bilinear, zeros, align_corners = False).
/// The four precomputed matrices are persistent buffers (they are in the checkpoint and are loaded from it).
/// </summary>
public sealed class TpsSpatialTransformer : nn.Module
{
#pragma warning disable IDE1006 // field names are the PyTorch state-dict names
    readonly Tensor inverse_kernel;
    readonly Tensor padding_matrix;
    readonly Tensor target_coordinate_repr;
    readonly Tensor target_control_points;
#pragma warning restore IDE1006
    readonly int _height, _width, _controlPoints;

    /// <summary>Creates the transformer and computes its matrices (in float32, as the original does).</summary>
    public TpsSpatialTransformer(int outputHeight = 32, int outputWidth = 100, int controlPoints = 20,
        double marginX = 0.05, double marginY = 0.05) : base(nameof(TpsSpatialTransformer))
    {
        _height = outputHeight;
        _width = outputWidth;
        _controlPoints = controlPoints;
        using (var scope = NewDisposeScope())
        {
            var target = OutputControlPoints(controlPoints, marginX, marginY);
            int n = controlPoints;
            var forwardKernel = zeros(n + 3, n + 3);
            forwardKernel[..n, ..n] = PartialRepr(target, target);
            forwardKernel[..n, n] = 1;
            forwardKernel[n, ..n] = 1;
            forwardKernel[..n, (n + 1)..] = target;
            forwardKernel[(n + 1).., ..n] = target.transpose(0, 1);
            inverse_kernel = inverse(forwardKernel).MoveToOuterDisposeScope();

            var ys = arange(outputHeight, ScalarType.Float32).view(-1, 1).expand(outputHeight, outputWidth).reshape(-1, 1);
            var xs = arange(outputWidth, ScalarType.Float32).view(1, -1).expand(outputHeight, outputWidth).reshape(-1, 1);
            var coordinate = cat([xs / (outputWidth - 1), ys / (outputHeight - 1)], 1);   // (HW, 2) as (x, y)
            target_coordinate_repr = cat([PartialRepr(coordinate, target), ones(coordinate.shape[0], 1), coordinate], 1)
                .MoveToOuterDisposeScope();
            padding_matrix = zeros(3, 2).MoveToOuterDisposeScope();
            target_control_points = target.MoveToOuterDisposeScope();
        }
        RegisterComponents();
    }

    /// <summary><c>build_output_control_points</c>: the top row then the bottom row, x evenly spaced within the margins.</summary>
    static Tensor OutputControlPoints(int count, double marginX, double marginY)
    {
        int perSide = count / 2;
        var points = new float[perSide * 4];
        for (int i = 0; i < perSide; i++)
        {
            // np.linspace(start, stop, num): start + i * step, the last point exactly stop.
            double x = i == perSide - 1 ? 1.0 - marginX : marginX + i * ((1.0 - marginX - marginX) / (perSide - 1));
            points[2 * i] = (float)x;
            points[2 * i + 1] = (float)marginY;
            points[2 * (perSide + i)] = (float)x;
            points[2 * (perSide + i) + 1] = (float)(1.0 - marginY);
        }
        return tensor(points).view(2 * perSide, 2);
    }

    /// <summary><c>compute_partial_repr</c>: φ(r) = ½ r² log r² for all pairs, 0 where r = 0.</summary>
    static Tensor PartialRepr(Tensor inputPoints, Tensor controlPoints)
    {
        long n = inputPoints.shape[0], m = controlPoints.shape[0];
        var diff = inputPoints.view(n, 1, 2) - controlPoints.view(1, m, 2);
        var square = diff * diff;
        var dist = square[.., .., 0] + square[.., .., 1];
        var repr = 0.5 * dist * log(dist);
        return repr.masked_fill(repr.isnan(), 0);
    }

    /// <summary>
    /// Samples <paramref name="input"/> (B, C, H, W) with the TPS defined by <paramref name="sourceControlPoints"/>
    /// (B, 20, 2); returns the rectified images (B, C, 32, 100).
    /// </summary>
    public Tensor Forward(Tensor input, Tensor sourceControlPoints)
    {
        if (sourceControlPoints.dim() != 3 || sourceControlPoints.shape[1] != _controlPoints || sourceControlPoints.shape[2] != 2)
            throw new ArgumentException($"expected control points (B, {_controlPoints}, 2), got ({string.Join(", ", sourceControlPoints.shape)})");
        using var scope = NewDisposeScope();
        long b = sourceControlPoints.shape[0];
        var y = cat([sourceControlPoints, padding_matrix.expand(b, 3, 2)], 1);   // (B, N+3, 2)
        // mapping = inverse_kernel @ y and source = target_coordinate_repr @ mapping, evaluated as PyTorch's matmul
        // evaluates a 2-D × 3-D product: transposed and folded into a single 2-D mm (same float32 rounding).
        long k = y.shape[1];
        var mappingT = mm(y.transpose(1, 2).reshape(b * 2, k), inverse_kernel.t());              // (2B, N+3)
        var sourceT = mm(mappingT, target_coordinate_repr.t()).view(b, 2, -1);                     // (B, 2, HW)
        var grid = sourceT.transpose(1, 2).reshape(-1, _height, _width, 2).clamp(0, 1);
        grid = 2.0 * grid - 1.0;
        return F.grid_sample(input, grid, align_corners: false).MoveToOuterDisposeScope();
    }
}
