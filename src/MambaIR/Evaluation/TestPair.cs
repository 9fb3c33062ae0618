using MambaIR.Imaging;

namespace MambaIR.Evaluation;

/// <summary>A ground truth and the low-quality input the restorer sees.</summary>
/// <param name="GroundTruth">The reference image (8-bit values), cropped to what the output will cover.</param>
/// <param name="Input">The input; 8-bit values, except noisy denoising inputs, which are unquantised floats.</param>
public sealed record TestPair(RasterImage GroundTruth, RasterImage Input);

/// <summary>Makes the <see cref="TestPair"/> of one sample for a task: reads, checks and degrades.</summary>
public interface ITestPairSource
{
    /// <summary>How the input is obtained, for the report (e.g. which JPEG encoder).</summary>
    string Description { get; }

    /// <summary>
    /// The pair for <paramref name="sample"/> with <paramref name="channels"/> colour channels.
    /// Throws <see cref="InvalidDataException"/>, <see cref="IOException"/> or <see cref="FileNotFoundException"/> with a
    /// message naming the file and what was expected when the sample cannot be used.
    /// </summary>
    TestPair Make(EvaluationSample sample, int channels);
}
