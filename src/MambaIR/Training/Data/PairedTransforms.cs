using MambaIR.Imaging;

namespace MambaIR.Training.Data;

/// <summary>
/// BasicSR's paired training transforms on planar images: <c>paired_random_crop</c> (an aligned LQ/GT patch;
/// <c>top = randint(0, h_lq − p)</c> then <c>left = randint(0, w_lq − p)</c>) and <c>augment</c> (draws
/// <c>hflip = use_hflip and random() &lt; 0.5</c>, then <c>vflip</c> and <c>rot90</c> the same way when rotation is on;
/// applies horizontal flip (reverse W), vertical flip (reverse H), then transpose H↔W, to every image alike).
/// </summary>
public static class PairedTransforms
{
    /// <summary><c>paired_random_crop(img_gt, img_lq, gt_patch_size, scale, gt_path)</c>; errors name <paramref name="name"/>.</summary>
    public static (RasterImage Gt, RasterImage Lq) RandomCrop(RasterImage gt, RasterImage lq, int gtPatchSize, int scale, PythonRandom rng, string name)
    {
        int lqPatch = gtPatchSize / scale;
        if (gt.Height != lq.Height * scale || gt.Width != lq.Width * scale)
            throw new InvalidDataException($"{name}: GT {gt.Width}×{gt.Height} is not ×{scale} the LQ {lq.Width}×{lq.Height} (BasicSR: scale mismatches)");
        if (lq.Height < lqPatch || lq.Width < lqPatch)
            throw new InvalidDataException($"{name}: LQ {lq.Width}×{lq.Height} is smaller than the patch {lqPatch}×{lqPatch} (gt_size {gtPatchSize} at ×{scale}); remove it or lower gt_size");
        int top = rng.RandInt(0, lq.Height - lqPatch);
        int left = rng.RandInt(0, lq.Width - lqPatch);
        return (gt.Crop(left * scale, top * scale, gtPatchSize, gtPatchSize), lq.Crop(left, top, lqPatch, lqPatch));
    }

    /// <summary>The three draws of <c>augment(imgs, hflip, rotation)</c>, in BasicSR's order (no draw for a disabled flag).</summary>
    public static (bool HFlip, bool VFlip, bool Rot90) DrawAugment(bool hflip, bool rotation, PythonRandom rng)
    {
        bool h = hflip && rng.Random() < 0.5;
        bool v = rotation && rng.Random() < 0.5;
        bool r = rotation && rng.Random() < 0.5;
        return (h, v, r);
    }

    /// <summary>Applies an augmentation: horizontal flip, then vertical flip, then transpose.</summary>
    public static RasterImage Apply(RasterImage img, (bool HFlip, bool VFlip, bool Rot90) a)
    {
        if (a.HFlip) img = FlipHorizontal(img);
        if (a.VFlip) img = FlipVertical(img);
        if (a.Rot90) img = Transpose(img);
        return img;
    }

    /// <summary>
    /// Restormer's <c>padding(img_lq, img_gt, gt_size)</c> for one image: when it is smaller than <paramref name="size"/>,
    /// <c>cv2.copyMakeBorder(img, 0, size − h, 0, size − w, cv2.BORDER_REFLECT)</c> (bottom and right, edge repeated:
    /// row h + i is row h − 1 − i, repeating with period 2h for longer pads). Images already large enough are returned as they are.
    /// </summary>
    public static RasterImage PadReflect(RasterImage img, int size)
    {
        int w = img.Width, h = img.Height;
        if (w >= size && h >= size) return img;
        int nw = Math.Max(w, size), nh = Math.Max(h, size);
        static int Reflect(int i, int n)
        {
            int j = i % (2 * n);
            return j < n ? j : 2 * n - 1 - j;
        }
        var px = new float[(long)img.Channels * nh * nw];
        for (int c = 0; c < img.Channels; c++)
            for (int y = 0; y < nh; y++)
            {
                int src = (c * h + Reflect(y, h)) * w, dst = (c * nh + y) * nw;
                for (int x = 0; x < nw; x++) px[dst + x] = img.Pixels[src + Reflect(x, w)];
            }
        return new RasterImage(nw, nh, img.Channels, px, null, img.BitDepth);
    }

    /// <summary>Restormer's <c>random_augmentation</c> draw: <c>random.randint(0, 7)</c>, one mode for every image of the pair.</summary>
    public static int DrawGeometricMode(PythonRandom rng) => rng.RandInt(0, 7);

    /// <summary>
    /// Restormer's <c>data_augmentation(image, mode)</c> on an HWC array: 0 identity, 1 <c>np.flipud</c>, 2 <c>np.rot90</c>,
    /// 3 rot90 then flipud, 4 <c>rot90(k=2)</c>, 5 rot90(k=2) then flipud, 6 <c>rot90(k=3)</c>, 7 rot90(k=3) then flipud.
    /// <c>np.rot90</c> turns counter-clockwise: rot90 = transpose(flip W), rot90(k=3) = flip W(transpose).
    /// </summary>
    public static RasterImage ApplyGeometricMode(RasterImage img, int mode)
    {
        var r = (mode / 2) switch
        {
            0 => img,
            1 => Transpose(FlipHorizontal(img)),
            2 => FlipVertical(FlipHorizontal(img)),
            3 => FlipHorizontal(Transpose(img)),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "mode 0..7"),
        };
        return mode % 2 == 1 ? FlipVertical(r) : r;
    }

    /// <summary><c>cv2.flip(img, 1)</c>: mirror left↔right.</summary>
    public static RasterImage FlipHorizontal(RasterImage img)
    {
        int w = img.Width, h = img.Height;
        var px = new float[img.Pixels.Length];
        for (int c = 0; c < img.Channels; c++)
            for (int y = 0; y < h; y++)
            {
                int row = (c * h + y) * w;
                for (int x = 0; x < w; x++) px[row + x] = img.Pixels[row + w - 1 - x];
            }
        return new RasterImage(w, h, img.Channels, px, null, img.BitDepth);
    }

    /// <summary><c>cv2.flip(img, 0)</c>: mirror top↔bottom.</summary>
    public static RasterImage FlipVertical(RasterImage img)
    {
        int w = img.Width, h = img.Height;
        var px = new float[img.Pixels.Length];
        for (int c = 0; c < img.Channels; c++)
            for (int y = 0; y < h; y++)
                Array.Copy(img.Pixels, (c * h + h - 1 - y) * w, px, (c * h + y) * w, w);
        return new RasterImage(w, h, img.Channels, px, null, img.BitDepth);
    }

    /// <summary><c>img.transpose(1, 0, 2)</c>: swap rows and columns (H×W → W×H).</summary>
    public static RasterImage Transpose(RasterImage img)
    {
        int w = img.Width, h = img.Height;
        var px = new float[img.Pixels.Length];
        for (int c = 0; c < img.Channels; c++)
        {
            int b = c * h * w;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) px[b + x * h + y] = img.Pixels[b + y * w + x];
        }
        return new RasterImage(h, w, img.Channels, px, null, img.BitDepth);
    }
}
