using System.Numerics;
using MambaIR.Evaluation;

namespace MambaIR.Training.Data;

/// <summary>
/// The randomness of one training sample, a pure function of (seed, epoch, position in the epoch): crop and
/// augmentation draws come from CPython's <c>random.Random(seed + epoch·2³² + position·2⁶⁴)</c>
/// (<see cref="PythonRandom"/>), drawn in BasicSR's order; on-the-fly Gaussian noise comes from numpy's generator
/// (<see cref="GaussianNoise"/>) seeded with the next 32 bits of that stream (<see cref="NoiseSeed"/>). Because nothing depends on which thread
/// builds the sample or when, a run is the same for any number of loader threads and resumes exactly.
/// </summary>
public sealed class SampleRandom
{
    /// <summary>The generator for crops and flips.</summary>
    public PythonRandom Python { get; }

    /// <summary>The sample's key.</summary>
    public (long Seed, long Epoch, long Position) Key { get; }

    public SampleRandom(long seed, long epoch, long position)
    {
        if (seed < 0 || seed > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(seed), seed, "seed must be in [0, 2^32)");
        if (epoch < 0 || epoch > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(epoch));
        if (position < 0) throw new ArgumentOutOfRangeException(nameof(position));
        Key = (seed, epoch, position);
        Python = new PythonRandom(new BigInteger(seed) + (new BigInteger(epoch) << 32) + (new BigInteger(position) << 64));
    }

    /// <summary>The seed of this sample's Gaussian noise (draws 32 bits from <see cref="Python"/>).</summary>
    public uint NoiseSeed() => Python.GetRandBits(32);
}
