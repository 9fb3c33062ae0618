using MambaIR.Imaging;

namespace MambaIR.Evaluation;

/// <summary>
/// JPEG compression-artifact test pairs: the clean image encoded at quality q and decoded again, as the official
/// <c>Dataset_JPEGCAR</c> does with <c>cv2.imencode('.jpg', img, [IMWRITE_JPEG_QUALITY, q])</c> / <c>cv2.imdecode</c>
/// (grey for the released 1-channel models), through libjpeg-turbo (<see cref="JpegCodec.RoundTrip"/>): decoded pixels
/// identical to OpenCV's.
/// </summary>
public sealed class JpegEvaluation(int quality) : ITestPairSource
{
    /// <summary>JPEG quality 1–100.</summary>
    public int Quality { get; } = quality is >= 1 and <= 100 ? quality : throw new ArgumentOutOfRangeException(nameof(quality), quality, "JPEG quality must be 1..100");

    /// <inheritdoc/>
    public string Description => $"clean image JPEG-encoded at quality {Quality} and decoded with libjpeg-turbo (libvips, OpenCV settings); pixels identical to OpenCV imencode/imdecode";

    /// <inheritdoc/>
    public TestPair Make(EvaluationSample sample, int channels)
    {
        var gt = TestImageReader.Read(sample.GroundTruthPath, channels);
        return new TestPair(gt, JpegCodec.RoundTrip(gt, Quality));
    }
}
