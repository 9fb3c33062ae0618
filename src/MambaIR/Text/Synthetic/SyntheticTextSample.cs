using MambaIR.Imaging;

namespace MambaIR.Text.Synthetic;

/// <summary>One generated pair: the label, the HR (PNG) and LR (JPEG) images as stored, and the degradation drawn.</summary>
public sealed record SyntheticTextSample(
    string Label, Rgb8Image HighRes, byte[] HighResPng, byte[] LowResJpeg,
    string Font, double BlurSigma, double NoiseSigma, int JpegQuality);
