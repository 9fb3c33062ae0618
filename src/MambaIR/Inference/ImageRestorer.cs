using MambaIR.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Inference;

/// <summary>
/// Restores one <see cref="RasterImage"/> with a <see cref="RestorationNetwork"/>, keeping what the network does not know about:
/// <list type="bullet">
/// <item>Bit depth: processing is in floating point; the result has the input's bit depth (8 or 16).</item>
/// <item>Alpha: never fed to the network; passed through for same-size tasks and bicubic-upscaled (clamped to [0, 1]) for
/// super-resolution. Alpha is usually a mask with hard edges that restoration networks were never trained on.</item>
/// <item>Grey network on a colour image: the image is split into full-range BT.601 Y, Cb, Cr (see <see cref="ColourPlanes"/>);
/// the network restores Y, the chroma is passed through (bicubic-upscaled for SR), and the result is converted back to RGB.
/// This is how grey JPEG artifact-removal models are applied to colour photos; chroma artifacts are not removed.</item>
/// <item>Colour network on a grey image: the plane is replicated to RGB, restored, and the output's luma is kept, so a grey
/// file stays grey.</item>
/// </list>
/// All tensors of one image are released before <see cref="Restore"/> returns.
/// </summary>
public sealed class ImageRestorer
{
    readonly Func<Tensor, Tensor> _forward;

    /// <param name="network">The network and its scale, channels, device and dtype.</param>
    /// <param name="tiling">Chooses the tile strategy for each image size.</param>
    /// <param name="selfEnsemble">Average over the 8 flips/transposes (<see cref="SelfEnsemble"/>), applied to every tile.</param>
    public ImageRestorer(RestorationNetwork network, TilingPolicy tiling, bool selfEnsemble = false)
    {
        Network = network;
        Tiling = tiling;
        SelfEnsembled = selfEnsemble;
        _forward = selfEnsemble ? SelfEnsemble.Wrap(network.Forward) : network.Forward;
    }

    public RestorationNetwork Network { get; }
    public TilingPolicy Tiling { get; }
    public bool SelfEnsembled { get; }

    /// <summary>The tile strategy this restorer uses for an image of the given size.</summary>
    public ITileStrategy StrategyFor(int height, int width) => Tiling.Choose(height, width, Network);

    /// <summary>Restores <paramref name="image"/>; reports tile progress through <paramref name="progress"/>.</summary>
    public RasterImage Restore(RasterImage image, IProgress<TileProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var strategy = StrategyFor(image.Height, image.Width);
        int scale = Network.Scale;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        var planes = image.ToTensor();
        Tensor modelInput, chroma = null!;
        if (image.Channels == Network.Channels) modelInput = planes;
        else if (Network.Channels == 1)
        {
            var ycc = ColourPlanes.ToYCbCr(planes);
            modelInput = ycc.narrow(1, 0, 1);
            chroma = ycc.narrow(1, 1, 2);
        }
        else modelInput = planes.expand(1, 3, image.Height, image.Width);

        var input = modelInput.to(Network.DType, Network.Device).contiguous();
        var output = OutOfMemory.Explain(() => strategy.Run(input, _forward, scale, progress, cancel), strategy);
        output = output.to(ScalarType.Float32, CPU);
        if (output.shape[1] != Network.Channels)
            throw new InvalidOperationException($"network {Network.Name} returned {output.shape[1]} channels; expected {Network.Channels}");

        Tensor restored;
        if (image.Channels == Network.Channels) restored = output;
        else if (Network.Channels == 1)
            restored = ColourPlanes.ToRgb(cat(new[] { output, PlaneResize.Upscale(chroma, scale) }, 1));
        else restored = ColourPlanes.Luma(output);

        float[]? alpha = null;
        if (image.Alpha is { } a)
        {
            var alphaPlane = tensor(a, new long[] { 1, 1, image.Height, image.Width });
            alpha = PlaneResize.Upscale(alphaPlane, scale).contiguous().data<float>().ToArray();
        }
        return RasterImage.FromTensor(restored, image.BitDepth, alpha);
    }
}
