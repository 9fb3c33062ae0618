namespace MambaIR.Text;

/// <summary>Key names of a TextZoom LMDB (JasonBoy1/TextZoom <c>dataset.py</c>): sample indices are 1-based.</summary>
public static class TextZoomKeys
{
    /// <summary>ASCII decimal count of samples.</summary>
    public const string NumSamples = "num-samples";

    /// <summary>UTF-8 label of sample <paramref name="index"/> (1-based).</summary>
    public static string Label(int index) => $"label-{index:D9}";

    /// <summary>Encoded HR image of sample <paramref name="index"/> (1-based).</summary>
    public static string HighRes(int index) => $"image_hr-{index:D9}";

    /// <summary>Encoded LR image of sample <paramref name="index"/> (1-based).</summary>
    public static string LowRes(int index) => $"image_lr-{index:D9}";

    /// <summary>Single-image LMDBs (recognition sets) use this key; the TextZoom loaders fall back to it.</summary>
    public static string Image(int index) => $"image-{index:D9}";
}
