using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Imaging;

/// <summary>Which OpenCV RGB→grey conversion <see cref="RasterImage.ToGreyOpenCv"/> reproduces.</summary>
public enum OpenCvGrey
{
    /// <summary><c>cv2.cvtColor(img, COLOR_RGB2GRAY)</c> on uint8; also what <c>cv2.imread(path, IMREAD_GRAYSCALE)</c> does to a colour WebP.</summary>
    CvtColor,
    /// <summary><c>cv2.imread(path, IMREAD_GRAYSCALE)</c> of a colour PNG (libpng's conversion).</summary>
    PngImread,
    /// <summary><c>cv2.imread(path, IMREAD_GRAYSCALE)</c> of a colour BMP or TIFF (imgcodecs' own conversion).</summary>
    BmpTiffImread,
}

/// <summary>
/// A planar float image: <see cref="Channels"/> colour planes (1 = grey, 3 = RGB) stored as [c, y, x] in [0, 1],
/// plus an optional separate alpha plane. <see cref="BitDepth"/> records the source depth (8 or 16) and is the depth
/// used when the image is written. 8-bit sources hold exactly <c>k / 255f</c>, as <c>img.astype(float32) / 255.</c>
/// does in BasicSR, so <see cref="ToBytesHwc"/> recovers the file's bytes.
/// </summary>
public sealed class RasterImage
{
    /// <summary>Width in pixels.</summary>
    public int Width { get; }
    /// <summary>Height in pixels.</summary>
    public int Height { get; }
    /// <summary>Colour channels: 1 (grey) or 3 (RGB). Alpha is not counted.</summary>
    public int Channels { get; }
    /// <summary>Colour samples, planar [c, y, x], nominally in [0, 1].</summary>
    public float[] Pixels { get; }
    /// <summary>Alpha plane [y, x] in [0, 1], or null when the image is opaque / has no alpha channel.</summary>
    public float[]? Alpha { get; }
    /// <summary>Bits per sample of the source, and of the file when written: 8 or 16.</summary>
    public int BitDepth { get; }
    /// <summary>EXIF, ICC profile, resolution and orientation of the file read (<see cref="ImageFile.Read"/>), written
    /// back by <see cref="ImageFile.Write"/>; <see cref="ImageMetadata.None"/> for images made in memory. Carried over by
    /// <see cref="Crop"/>, <see cref="Clone"/> and <see cref="ToChannels"/>; set it on a new image with <see cref="WithMetadata"/>.</summary>
    public ImageMetadata Metadata { get; init; } = ImageMetadata.None;

    /// <summary>Wraps existing planes (not copied). Throws if sizes do not agree.</summary>
    public RasterImage(int width, int height, int channels, float[] pixels, float[]? alpha = null, int bitDepth = 8)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"image size must be positive, got {width}x{height}");
        if (channels != 1 && channels != 3) throw new ArgumentException($"channels must be 1 (grey) or 3 (RGB), got {channels}");
        if (bitDepth != 8 && bitDepth != 16) throw new ArgumentException($"bit depth must be 8 or 16, got {bitDepth}");
        ArgumentNullException.ThrowIfNull(pixels);
        long plane = (long)width * height;
        if (pixels.LongLength != plane * channels)
            throw new ArgumentException($"pixel array has {pixels.LongLength} values, expected {channels}x{height}x{width} = {plane * channels}");
        if (alpha != null && alpha.LongLength != plane)
            throw new ArgumentException($"alpha array has {alpha.LongLength} values, expected {height}x{width} = {plane}");
        Width = width; Height = height; Channels = channels; Pixels = pixels; Alpha = alpha; BitDepth = bitDepth;
    }

    /// <summary>The same pixels (shared, not copied) with <paramref name="metadata"/>.</summary>
    public RasterImage WithMetadata(ImageMetadata metadata) =>
        new(Width, Height, Channels, Pixels, Alpha, BitDepth) { Metadata = metadata ?? throw new ArgumentNullException(nameof(metadata)) };

    /// <summary>A new zero (black, no alpha) image.</summary>
    public static RasterImage Zeros(int width, int height, int channels, int bitDepth = 8) =>
        new(width, height, channels, new float[(long)width * height * channels], null, bitDepth);

    /// <summary>Number of pixels per plane.</summary>
    public int PlaneSize => Width * Height;

    /// <summary>Sample of channel <paramref name="c"/> at (x, y).</summary>
    public float this[int c, int y, int x]
    {
        get => Pixels[(c * Height + y) * Width + x];
        set => Pixels[(c * Height + y) * Width + x] = value;
    }

    /// <summary>The colour planes as a (1, C, H, W) CPU tensor (a copy) of the given dtype.</summary>
    public Tensor ToTensor(ScalarType dtype = ScalarType.Float32)
    {
        var t = torch.tensor(Pixels, new long[] { 1, Channels, Height, Width }, ScalarType.Float32);
        if (dtype == ScalarType.Float32) return t;
        using (t) return t.to_type(dtype);
    }

    /// <summary>
    /// Builds an image from a (1, C, H, W) or (C, H, W) tensor with C = 1 or 3 (any float dtype, any device).
    /// Values are clamped to [0, 1], as BasicSR's <c>tensor2img</c> does before quantising.
    /// </summary>
    public static RasterImage FromTensor(Tensor t, int bitDepth = 8, float[]? alpha = null)
    {
        ArgumentNullException.ThrowIfNull(t);
        long[] shape = t.shape;
        if (shape.Length == 4)
        {
            if (shape[0] != 1) throw new ArgumentException($"expected batch size 1, got tensor of shape [{string.Join(", ", shape)}]");
            shape = shape[1..];
        }
        if (shape.Length != 3 || (shape[0] != 1 && shape[0] != 3))
            throw new ArgumentException($"expected a (1,C,H,W) or (C,H,W) tensor with C = 1 or 3, got shape [{string.Join(", ", t.shape)}]; take the first 3 channels of RGBM output");
        using var scope = torch.NewDisposeScope();
        var f = t.detach().to(ScalarType.Float32).cpu().clamp(0.0, 1.0).contiguous().reshape(-1);
        float[] data = f.data<float>().ToArray();
        return new RasterImage((int)shape[2], (int)shape[1], (int)shape[0], data, alpha, bitDepth);
    }

    /// <summary>
    /// Builds an image from interleaved uint8 samples (H, W, C) with C = 1, 3 or 4 (the 4th is alpha). Each sample
    /// becomes exactly <c>k / 255f</c>.
    /// </summary>
    public static RasterImage FromBytesHwc(ReadOnlySpan<byte> hwc, int width, int height, int channelsWithAlpha)
    {
        if (channelsWithAlpha is not (1 or 3 or 4)) throw new ArgumentException($"interleaved channels must be 1, 3 or 4, got {channelsWithAlpha}");
        int plane = width * height;
        if (hwc.Length != plane * channelsWithAlpha)
            throw new ArgumentException($"buffer has {hwc.Length} bytes, expected {height}x{width}x{channelsWithAlpha}");
        int colour = channelsWithAlpha == 4 ? 3 : channelsWithAlpha;
        var px = new float[plane * colour];
        float[]? alpha = channelsWithAlpha == 4 ? new float[plane] : null;
        for (int i = 0; i < plane; i++)
        {
            for (int c = 0; c < colour; c++) px[c * plane + i] = hwc[i * channelsWithAlpha + c] / 255f;
            if (alpha != null) alpha[i] = hwc[i * 4 + 3] / 255f;
        }
        return new RasterImage(width, height, colour, px, alpha, 8);
    }

    /// <summary>
    /// Converts between grey and RGB. Grey→RGB replicates the plane (as <c>cv2.IMREAD_COLOR</c> does for grey files).
    /// RGB→grey is ITU-R BT.601 luma on full-range values, <c>0.299 R + 0.587 G + 0.114 B</c> (the weights of
    /// <c>cv2.cvtColor(RGB2GRAY)</c> and PIL <c>convert('L')</c>, computed in float without rounding). This is not
    /// BasicSR's metric Y channel (<see cref="MambaIR.Metrics.YCbCr"/>), which has studio range and a +16 offset.
    /// Alpha and bit depth are carried over. Returns this instance when nothing changes. For OpenCV's exact uint8
    /// conversions use <see cref="ToGreyOpenCv"/>.
    /// </summary>
    public RasterImage ToChannels(int channels)
    {
        if (channels == Channels) return this;
        int plane = PlaneSize;
        if (channels == 3)
        {
            var px = new float[plane * 3];
            for (int c = 0; c < 3; c++) Array.Copy(Pixels, 0, px, c * plane, plane);
            return new RasterImage(Width, Height, 3, px, Alpha, BitDepth) { Metadata = Metadata };
        }
        if (channels == 1)
        {
            var px = new float[plane];
            for (int i = 0; i < plane; i++)
                px[i] = 0.299f * Pixels[i] + 0.587f * Pixels[plane + i] + 0.114f * Pixels[2 * plane + i];
            return new RasterImage(Width, Height, 1, px, Alpha, BitDepth) { Metadata = Metadata };
        }
        throw new ArgumentException($"channels must be 1 or 3, got {channels}");
    }

    /// <summary>
    /// RGB→grey bit-exactly as OpenCV does it on 8-bit data (samples first quantised as <see cref="ToBytesHwc"/>):
    /// <see cref="OpenCvGrey.CvtColor"/> = <c>cv2.cvtColor(RGB2GRAY)</c>, <c>(9798 R + 19235 G + 3735 B + 16384) &gt;&gt; 15</c>;
    /// <see cref="OpenCvGrey.PngImread"/> = <c>cv2.imread/imdecode(IMREAD_GRAYSCALE)</c> of a colour PNG, which libpng
    /// converts with <c>(9797 R + 19234 G + 3737 B) &gt;&gt; 15</c>, truncating (BasicSR's <c>flag='grayscale'</c> reads,
    /// e.g. grey JPEG-CAR ground truth; PNGs without gamma chunks);
    /// <see cref="OpenCvGrey.BmpTiffImread"/> = the same read of a colour BMP or TIFF, converted by imgcodecs'
    /// <c>icvCvt_BGR2Gray_8u_C3C1R</c>, <c>(4899 R + 9617 G + 1868 B + 8192) &gt;&gt; 14</c>.
    /// The three disagree by one level on some pixels. Returns an 8-bit grey image; grey input is returned as is.
    /// </summary>
    public RasterImage ToGreyOpenCv(OpenCvGrey mode = OpenCvGrey.CvtColor)
    {
        if (Channels == 1) return this;
        var hwc = ToBytesHwc();
        int plane = PlaneSize;
        var px = new float[plane];
        (int r, int g, int b, int round, int shift) = mode switch
        {
            OpenCvGrey.CvtColor => (9798, 19235, 3735, 1 << 14, 15),
            OpenCvGrey.PngImread => (9797, 19234, 3737, 0, 15),
            OpenCvGrey.BmpTiffImread => (4899, 9617, 1868, 1 << 13, 14),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown OpenCV grey conversion"),
        };
        for (int i = 0; i < plane; i++)
            px[i] = ((r * hwc[3 * i] + g * hwc[3 * i + 1] + b * hwc[3 * i + 2] + round) >> shift) / 255f;
        return new RasterImage(Width, Height, 1, px, Alpha, 8);
    }

    /// <summary>
    /// The colour samples as uint8, interleaved (H, W, C), exactly as BasicSR's <c>tensor2img</c>: clamp to [0, 1],
    /// multiply by 255 in float32, round half to even (<c>numpy.round</c>), cast. Channel order stays RGB
    /// (BasicSR produces BGR; the metrics here take RGB).
    /// </summary>
    public byte[] ToBytesHwc()
    {
        int plane = PlaneSize, ch = Channels;
        var dst = new byte[plane * ch];
        for (int c = 0; c < ch; c++)
        {
            int src = c * plane;
            for (int i = 0; i < plane; i++) dst[i * ch + c] = Quantize8(Pixels[src + i]);
        }
        return dst;
    }

    /// <summary>
    /// The colour samples quantised to the 8-bit grid as <see cref="ToBytesHwc"/> does, without alpha: what an 8-bit
    /// file without alpha would hold (as <c>cv2.imread</c>'s <c>IMREAD_COLOR</c>/<c>IMREAD_GRAYSCALE</c> reads drop alpha
    /// and reduce 16-bit to 8-bit). Always a new image.
    /// </summary>
    public RasterImage ToOpaque8Bit() => FromBytesHwc(ToBytesHwc(), Width, Height, Channels);

    /// <summary>The alpha plane as uint8 (H, W) with <see cref="ToBytesHwc"/>'s rounding, or null.</summary>
    public byte[]? AlphaToBytes()
    {
        if (Alpha == null) return null;
        var dst = new byte[Alpha.Length];
        for (int i = 0; i < dst.Length; i++) dst[i] = Quantize8(Alpha[i]);
        return dst;
    }

    /// <summary>The <paramref name="width"/>×<paramref name="height"/> region whose top-left corner is (x, y), as a new image.</summary>
    public RasterImage Crop(int x, int y, int width, int height)
    {
        if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > Width || y + height > Height)
            throw new ArgumentOutOfRangeException(nameof(width), $"crop ({x},{y}) {width}x{height} is outside the {Width}x{Height} image");
        var px = new float[width * height * Channels];
        for (int c = 0; c < Channels; c++)
            for (int r = 0; r < height; r++)
                Array.Copy(Pixels, (c * Height + y + r) * Width + x, px, (c * height + r) * width, width);
        float[]? alpha = null;
        if (Alpha != null)
        {
            alpha = new float[width * height];
            for (int r = 0; r < height; r++) Array.Copy(Alpha, (y + r) * Width + x, alpha, r * width, width);
        }
        return new RasterImage(width, height, Channels, px, alpha, BitDepth) { Metadata = Metadata };
    }

    /// <summary>A deep copy, optionally with another bit depth.</summary>
    public RasterImage Clone(int? bitDepth = null) =>
        new(Width, Height, Channels, (float[])Pixels.Clone(), (float[]?)Alpha?.Clone(), bitDepth ?? BitDepth) { Metadata = Metadata };

    /// <summary>clamp[0,1] → ×255 (float32) → round half to even → byte.</summary>
    public static byte Quantize8(float v)
    {
        if (!(v > 0f)) return 0; // also maps NaN to 0, as numpy's clip+astype does in practice
        if (v >= 1f) return 255;
        return (byte)MathF.Round(v * 255f, MidpointRounding.ToEven);
    }

    /// <summary>clamp[0,1] → ×65535 (float32) → round half to even → ushort.</summary>
    public static ushort Quantize16(float v)
    {
        if (!(v > 0f)) return 0;
        if (v >= 1f) return 65535;
        return (ushort)MathF.Round(v * 65535f, MidpointRounding.ToEven);
    }
}
