using MambaIR.Data;

namespace MambaIR.Evaluation;

/// <summary>
/// Bicubic (BI) super-resolution test pairs at scale s. With an LR file: the HR must be LR×s after mod-crop
/// (<see cref="PairedImageFolder.SizesFit"/>; the HR is then mod-cropped, i.e. cropped top-left to LR×s, as BasicSR's
/// paired loader does); otherwise the sample is rejected naming both files and sizes. Without an LR file: the HR is
/// mod-cropped and the LR made with MATLAB's <c>imresize(HR, 1/s, 'bicubic')</c> (<see cref="BenchmarkBuilder.MakePair"/>),
/// which reproduces the standard benchmark LR files bit for bit.
/// </summary>
public sealed class SuperResolutionEvaluation(int scale) : ITestPairSource
{
    /// <summary>The SR scale.</summary>
    public int Scale { get; } = scale >= 1 ? scale : throw new ArgumentOutOfRangeException(nameof(scale), scale, "the SR scale must be ≥ 1");

    /// <inheritdoc/>
    public string Description => $"LR from the set's LR files, or MATLAB bicubic ×1/{Scale} of the mod-cropped HR where the set has none";

    /// <inheritdoc/>
    public TestPair Make(EvaluationSample sample, int channels)
    {
        var hr = TestImageReader.Read(sample.GroundTruthPath, channels);
        if (sample.InputPath == null)
        {
            if (hr.Width < Scale || hr.Height < Scale)
                throw new InvalidDataException($"HR {sample.GroundTruthPath} is {hr.Width}×{hr.Height}, smaller than the scale ×{Scale}");
            var (gt, lr) = BenchmarkBuilder.MakePair(hr, Scale);
            return new TestPair(gt, lr);
        }
        var given = TestImageReader.Read(sample.InputPath, channels);
        if (!PairedImageFolder.SizesFit(hr.Width, hr.Height, given.Width, given.Height, Scale))
        {
            int w = given.Width * Scale, h = given.Height * Scale, mw = hr.Width - hr.Width % Scale, mh = hr.Height - hr.Height % Scale;
            throw new InvalidDataException(
                $"size mismatch: LR {sample.InputPath} is {given.Width}×{given.Height}, so ×{Scale} expects an HR of {w}×{h} " +
                $"after mod-crop, but HR {sample.GroundTruthPath} is {hr.Width}×{hr.Height} ({mw}×{mh} after mod-crop)");
        }
        return new TestPair(BenchmarkBuilder.ModCrop(hr, Scale), given);
    }
}
