using MambaIR.Imaging;
using MambaIR.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Inference;

/// <summary>
/// Restores one <see cref="RasterImage"/> with a <see cref="ModelDescriptor"/>, keeping what the model does not know about:
/// <list type="bullet">
/// <item>Bit depth: processing is in floating point; the result has the input's bit depth (8 or 16).</item>
/// <item>Alpha: never fed to the model; passed through for same-size tasks and bicubic-upscaled (clamped to [0, 1]) for
/// super-resolution. Alpha is usually a mask with hard edges that restoration networks were never trained on.</item>
/// <item>Grey model on a colour image: the image is split into full-range BT.601 Y, Cb, Cr (see <see cref="ColourPlanes"/>);
/// the model restores Y, the chroma is passed through (bicubic-upscaled for SR), and the result is converted back to RGB.
/// This is how grey JPEG artifact-removal models are applied to colour photos; chroma artifacts are not removed.</item>
/// <item>Colour model on a grey image: the plane is replicated to RGB, restored, and the output's luma is kept, so a grey
/// file stays grey.</item>
/// </list>
/// The result carries the input's metadata (EXIF, ICC profile, resolution). All tensors of one image are released before <see cref="Restore"/> returns.
/// </summary>
public sealed class ImageRestorer
{
    readonly Func<Tensor, Tensor> _forward;
    readonly TileSpeedProbe _speed;

    /// <param name="model">The model and its scale, channels, device and dtype.</param>
    /// <param name="tiling">Chooses the tile strategy for each image size.</param>
    /// <param name="selfEnsemble">Average over the 8 flips/transposes (<see cref="SelfEnsemble"/>), applied to every tile.</param>
    public ImageRestorer(ModelDescriptor model, TilingPolicy tiling, bool selfEnsemble = false)
    {
        if (model.InputChannels is not (1 or 3) || model.OutputChannels != model.InputChannels)
            throw new NotSupportedException($"{model.Name}: a {model.InputChannels}-channel model cannot restore image files (1 or 3 channels in and out)");
        Model = model;
        Tiling = tiling;
        SelfEnsembled = selfEnsemble;
        _forward = selfEnsemble ? SelfEnsemble.Wrap(model.Run) : model.Run;
        _speed = new TileSpeedProbe(model, _forward);
    }

    /// <summary>The model.</summary>
    public ModelDescriptor Model { get; }
    /// <summary>How images are tiled.</summary>
    public TilingPolicy Tiling { get; }
    /// <summary>True when each call is the ×8 self-ensemble.</summary>
    public bool SelfEnsembled { get; }

    /// <summary>The tile strategy for an image of the given size (under <c>auto</c>, measuring speed the first time it matters).</summary>
    public ITileStrategy StrategyFor(int height, int width) => Tiling.Choose(height, width, Model, _speed);

    /// <summary>Restores <paramref name="image"/> with <paramref name="strategy"/> (default: <see cref="StrategyFor"/>); reports tile progress.</summary>
    public RasterImage Restore(RasterImage image, ITileStrategy? strategy = null, IProgress<TileProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        strategy ??= StrategyFor(image.Height, image.Width);
        int scale = Model.Scale;
        int channels = Model.InputChannels;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        var planes = image.ToTensor();
        Tensor modelInput, chroma = null!;
        if (image.Channels == channels) modelInput = planes;
        else if (channels == 1)
        {
            var ycc = ColourPlanes.ToYCbCr(planes);
            modelInput = ycc.narrow(1, 0, 1);
            chroma = ycc.narrow(1, 1, 2);
        }
        else modelInput = planes.expand(1, 3, image.Height, image.Width);

        var input = modelInput.to(Model.DType, Model.Device).contiguous();
        var output = OutOfMemory.Explain(() => strategy.Run(input, _forward, scale, progress, cancel), strategy);
        output = output.to(ScalarType.Float32, CPU);
        if (output.shape[1] != channels)
            throw new InvalidOperationException($"model {Model.Name} returned {output.shape[1]} channels; expected {channels}");

        Tensor restored;
        if (image.Channels == channels) restored = output;
        else if (channels == 1)
            restored = ColourPlanes.ToRgb(cat(new[] { output, PlaneResize.Upscale(chroma, scale) }, 1));
        else restored = ColourPlanes.Luma(output);

        float[]? alpha = null;
        if (image.Alpha is { } a)
        {
            var alphaPlane = tensor(a, new long[] { 1, 1, image.Height, image.Width });
            alpha = PlaneResize.Upscale(alphaPlane, scale).contiguous().data<float>().ToArray();
        }
        return RasterImage.FromTensor(restored, image.BitDepth, alpha).WithMetadata(image.Metadata);
    }
}
