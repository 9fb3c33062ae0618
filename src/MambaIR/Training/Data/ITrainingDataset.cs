namespace MambaIR.Training.Data;

/// <summary>One prepared training pair: planar float32 CHW LQ and GT in [0, 1] (noisy inputs may leave that range).</summary>
public sealed record TrainingSample(float[] Lq, float[] Gt, int Channels, int LqHeight, int LqWidth, int GtHeight, int GtWidth);

/// <summary>
/// A training set: <see cref="Count"/> samples, each built from its index and its own <see cref="SampleRandom"/>
/// (so the result never depends on which thread builds it). Implementations are safe to call from several threads.
/// </summary>
public interface ITrainingDataset : IDisposable
{
    /// <summary>The dataset name (logs).</summary>
    string Name { get; }

    /// <summary>Number of distinct samples (before <c>dataset_enlarge_ratio</c>).</summary>
    int Count { get; }

    /// <summary>Image channels of LQ and GT.</summary>
    int Channels { get; }

    /// <summary>Builds sample <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>).</summary>
    /// <exception cref="InvalidDataException">An image that cannot be decoded or a pair whose sizes do not fit; the message names the file.</exception>
    TrainingSample Load(int index, SampleRandom random);
}

/// <summary>A full-size validation pair (LQ already degraded as the official validation does).</summary>
public sealed record ValidationPair(string Name, MambaIR.Imaging.RasterImage Gt, MambaIR.Imaging.RasterImage Lq);
