using MambaIR.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Text;

/// <summary>
/// The TSRN/TPGSR/TATT fourth input channel (<c>--mask</c>): on the already resized image, L = PIL <c>convert('L')</c>,
/// thres = mean(L), and the mask is 1.0 where L ≤ thres (darker than average, usually the strokes) and 0.0 elsewhere
/// (<c>mask.point(lambda x: 0 if x &gt; thres else 255)</c> followed by ToTensor).
/// </summary>
public static class TextZoomMask
{
    /// <summary>The mask as a (1, H, W) float32 tensor of 0/1.</summary>
    public static Tensor Compute(Rgb8Image image)
    {
        byte[] l = image.ToGreyPil();
        double mean = 0;
        foreach (byte v in l) mean += v;
        mean /= l.Length;
        var m = new float[l.Length];
        for (int i = 0; i < l.Length; i++) m[i] = l[i] > mean ? 0f : 1f;
        return torch.tensor(m, new long[] { 1, image.Height, image.Width });
    }
}
