using MambaIR.Imaging;

namespace MambaIR.Evaluation;

/// <summary>
/// JPEG compression-artifact test pairs: the clean image encoded at quality q and decoded again, as the official
/// <c>Dataset_JPEGCAR</c> does with <c>cv2.imencode('.jpg', img, [IMWRITE_JPEG_QUALITY, q])</c> / <c>cv2.imdecode</c>
/// (grey for the released 1-channel models). The encoder here is <see cref="JpegCodec"/> (ImageSharp): same IJG quality
/// scaling of the Annex K tables and the same sampling as OpenCV's libjpeg, but its own DCT and rounding, so decoded
/// pixels can differ slightly from OpenCV's.
/// </summary>
public sealed class JpegEvaluation(int quality) : ITestPairSource
{
    /// <summary>JPEG quality 1–100.</summary>
    public int Quality { get; } = quality is >= 1 and <= 100 ? quality : throw new ArgumentOutOfRangeException(nameof(quality), quality, "--quality must be 1..100");

    /// <inheritdoc/>
    public string Description => $"clean image JPEG-encoded at quality {Quality} with ImageSharp's baseline encoder (IJG tables and quality scaling, as OpenCV imencode; DCT arithmetic differs) and decoded";

    /// <inheritdoc/>
    public TestPair Make(EvaluationSample sample, int channels)
    {
        var gt = TestImageReader.Read(sample.GroundTruthPath, channels);
        var degraded = JpegCodec.RoundTrip(gt, Quality);
        if (degraded.Channels != channels) degraded = channels == 3 ? degraded.ToChannels(3) : TestImageReader.ToGrey(degraded);
        return new TestPair(gt, degraded.ToTensor());
    }
}
