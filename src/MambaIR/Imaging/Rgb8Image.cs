using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Imaging;

/// <summary>
/// An 8-bit RGB image held as interleaved bytes (row-major, R G B per pixel), the form PIL works on after
/// <c>convert('RGB')</c>, for the uint8 paths that must match Pillow exactly (<see cref="PillowBicubic"/>, PIL grey).
/// Files are decoded and encoded by <see cref="ImageFile"/> (PNG, JPEG, BMP, TIFF, WebP, GIF, AVIF; JPEG through libjpeg-turbo as
/// Pillow does): grey is replicated to RGB, palettes expanded, alpha dropped (as PIL's <c>convert('RGB')</c> does) and
/// 16-bit samples rounded to 8 bits.
/// </summary>
public sealed class Rgb8Image
{
    /// <summary>Width in pixels.</summary>
    public int Width { get; }
    /// <summary>Height in pixels.</summary>
    public int Height { get; }
    /// <summary>Interleaved RGB bytes, <c>Width·Height·3</c> long.</summary>
    public byte[] Pixels { get; }

    /// <summary>Wraps <paramref name="pixels"/> (not copied).</summary>
    public Rgb8Image(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"invalid image size {width}×{height}");
        if (pixels.Length != width * height * 3) throw new ArgumentException($"RGB buffer has {pixels.Length} bytes, expected {width * height * 3} for {width}×{height}");
        (Width, Height, Pixels) = (width, height, pixels);
    }

    /// <summary>Decodes an encoded image file (see <see cref="ImageFile.Decode"/>). Throws <see cref="InvalidDataException"/>
    /// naming <paramref name="what"/> if the bytes are not a readable image.</summary>
    public static Rgb8Image Decode(byte[] encoded, string what) => FromRaster(ImageFile.Decode(encoded, what));

    /// <summary>The colour samples of <paramref name="img"/> as 8-bit RGB: grey replicated, alpha dropped, 16-bit rounded
    /// (<see cref="RasterImage.ToBytesHwc"/>; exact for 8-bit images, whose samples are k/255).</summary>
    public static Rgb8Image FromRaster(RasterImage img) =>
        new(img.Width, img.Height, img.ToChannels(3).ToBytesHwc());

    /// <summary>As a <see cref="RasterImage"/> (RGB, 8-bit, samples k/255).</summary>
    public RasterImage ToRaster() => RasterImage.FromBytesHwc(Pixels, Width, Height, 3);

    /// <summary>PNG bytes (lossless, 8-bit RGB; <see cref="ImageFile.EncodePng"/>).</summary>
    public byte[] EncodePng() => ImageFile.EncodePng(ToRaster());

    /// <summary>Baseline JPEG bytes at <paramref name="quality"/> (1–100), 4:2:0 chroma subsampling (<see cref="JpegCodec"/>, libjpeg-turbo).</summary>
    public byte[] EncodeJpeg(int quality) => JpegCodec.Encode(ToRaster(), quality);

    /// <summary>Pillow-exact BICUBIC resize (see <see cref="PillowBicubic"/>).</summary>
    public Rgb8Image ResizePillowBicubic(int width, int height) =>
        new(width, height, PillowBicubic.Resize(Pixels, Width, Height, 3, width, height));

    /// <summary>PIL's <c>convert('L')</c>: L = (19595·R + 38470·G + 7471·B + 0x8000) &gt;&gt; 16 (ITU-R 601-2 luma, fixed point).</summary>
    public byte[] ToGreyPil()
    {
        var l = new byte[Width * Height];
        for (int i = 0; i < l.Length; i++)
            l[i] = (byte)((Pixels[3 * i] * 19595 + Pixels[3 * i + 1] * 38470 + Pixels[3 * i + 2] * 7471 + 0x8000) >> 16);
        return l;
    }

    /// <summary>torchvision <c>ToTensor</c>: (3, H, W) float32 in [0,1].</summary>
    public Tensor ToTensor()
    {
        var f = new float[Pixels.Length];
        for (int i = 0; i < f.Length; i++) f[i] = Pixels[i] / 255f;
        using var hwc = torch.tensor(f, new long[] { Height, Width, 3 });
        return hwc.permute(2, 0, 1).contiguous();
    }

    /// <summary>From a (3, H, W) float tensor in [0,1]: ×255, rounded, clamped (BasicSR's <c>tensor2img</c> rounding).</summary>
    public static Rgb8Image FromTensor(Tensor chw)
    {
        if (chw.dim() != 3 || chw.shape[0] < 3) throw new ArgumentException($"expected a (3,H,W) tensor, got ({string.Join(",", chw.shape)})");
        using var scope = torch.NewDisposeScope();
        var hwc = chw[..3].to(float32).cpu().clamp(0, 1).mul(255).round().to(uint8).permute(1, 2, 0).contiguous();
        return new Rgb8Image((int)chw.shape[2], (int)chw.shape[1], hwc.data<byte>().ToArray());
    }
}
