namespace MambaIR.Evaluation;

/// <summary>
/// Gaussian denoising test pairs as in the official validation: the clean image in float [0, 1], plus
/// N(0, σ/255) drawn by numpy's generator re-seeded with 0 for every image (<see cref="GaussianNoise"/>), added in
/// float, not clipped, not quantised. Colour (RGB) for 3-channel models, grey for 1-channel models.
/// </summary>
public sealed class DenoiseEvaluation(int sigma) : ITestPairSource
{
    /// <summary>σ in 0–255 units.</summary>
    public int Sigma { get; } = sigma >= 0 ? sigma : throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "the noise level σ must be ≥ 0");

    /// <inheritdoc/>
    public string Description =>
        $"clean image + Gaussian noise σ={Sigma}/255 in float, unclipped, numpy MT19937 re-seeded with {GaussianNoise.OfficialSeed} per image (bit-identical to the official validation)";

    /// <inheritdoc/>
    public TestPair Make(EvaluationSample sample, int channels)
    {
        var gt = TestImageReader.Read(sample.GroundTruthPath, channels);
        return new TestPair(gt, GaussianNoise.Apply(gt, Sigma));
    }
}
