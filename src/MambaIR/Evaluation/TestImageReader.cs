using MambaIR.Imaging;

namespace MambaIR.Evaluation;

/// <summary>
/// Reads test images the way the official loaders do (<c>cv2.imread</c> then BGR→RGB): colour for 3-channel models,
/// with grey files replicated to 3 channels (<c>IMREAD_COLOR</c>); grey for 1-channel models, with colour files
/// converted by OpenCV's fixed-point BT.601 luma (<c>IMREAD_GRAYSCALE</c>: (4899 R + 9617 G + 1868 B + 8192) ≫ 14),
/// so the ground truth stays exactly 8-bit. Alpha is dropped. Crops are taken from the top-left, as BasicSR does.
/// </summary>
public static class TestImageReader
{
    /// <summary>Reads <paramref name="path"/> with <paramref name="channels"/> (1 or 3) colour channels and no alpha.</summary>
    public static RasterImage Read(string path, int channels)
    {
        var img = ImageFile.Read(path);
        if (img.Alpha != null || img.BitDepth != 8)
        {
            // IMREAD_COLOR / IMREAD_GRAYSCALE drop alpha and reduce 16-bit to 8-bit.
            var bytes = img.ToBytesHwc();
            img = RasterImage.FromBytesHwc(bytes, img.Width, img.Height, img.Channels);
        }
        if (img.Channels == channels) return img;
        return channels == 3 ? img.ToChannels(3) : ToGrey(img);
    }

    /// <summary>OpenCV's RGB→grey on 8-bit values: <c>(4899 R + 9617 G + 1868 B + 8192) ≫ 14</c>.</summary>
    public static RasterImage ToGrey(RasterImage rgb)
    {
        if (rgb.Channels == 1) return rgb;
        var hwc = rgb.ToBytesHwc();
        var grey = new byte[rgb.PlaneSize];
        for (int i = 0; i < grey.Length; i++)
            grey[i] = (byte)((4899 * hwc[3 * i] + 9617 * hwc[3 * i + 1] + 1868 * hwc[3 * i + 2] + 8192) >> 14);
        return RasterImage.FromBytesHwc(grey, rgb.Width, rgb.Height, 1);
    }

    /// <summary>The top-left <paramref name="width"/>×<paramref name="height"/> region (BasicSR's <c>img[0:h, 0:w]</c>).</summary>
    public static RasterImage CropTopLeft(RasterImage img, int width, int height)
    {
        if (width > img.Width || height > img.Height)
            throw new ArgumentException($"cannot crop a {img.Width}×{img.Height} image to {width}×{height}");
        if (width == img.Width && height == img.Height) return img;
        var px = new float[img.Channels * width * height];
        for (int c = 0; c < img.Channels; c++)
            for (int y = 0; y < height; y++)
                Array.Copy(img.Pixels, (c * img.Height + y) * img.Width, px, (c * height + y) * width, width);
        return new RasterImage(width, height, img.Channels, px, null, img.BitDepth);
    }

    /// <summary>Mod-crop: the top-left region whose sides are multiples of <paramref name="scale"/>.</summary>
    public static RasterImage ModCrop(RasterImage img, int scale) =>
        CropTopLeft(img, img.Width - img.Width % scale, img.Height - img.Height % scale);
}
