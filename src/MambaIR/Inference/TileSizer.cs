namespace MambaIR.Inference;

/// <summary>
/// Chooses the largest square tile whose estimated peak memory fits a byte budget. The estimate comes from the model
/// (<see cref="Models.ModelDescriptor.Memory"/>, measured by <see cref="Native.MemoryProbe"/>); the budget from
/// <see cref="Native.MemoryBudget"/>.
/// </summary>
public static class TileSizer
{
    /// <summary>Tile sides are multiples of this.</summary>
    public const int Granularity = 8;
    /// <summary>Smallest tile considered; below it the network sees too little context to be worth running.</summary>
    public const int MinTile = 32;
    /// <summary>Largest tile considered.</summary>
    public const int MaxTile = 4096;
    /// <summary>Tile used when the memory use or the free memory is unknown.</summary>
    public const int FallbackTile = 256;

    /// <summary>True when the whole h×w image is estimated to fit <paramref name="budget"/>.</summary>
    public static bool Fits(Func<long, long, long> peakBytes, long height, long width, long budget) => peakBytes(height, width) <= budget;

    /// <summary>
    /// The largest multiple of <see cref="Granularity"/> in [<see cref="MinTile"/>, <see cref="MaxTile"/>] whose square tile fits
    /// <paramref name="budget"/>. Throws <see cref="OutOfMemoryException"/> when not even <see cref="MinTile"/> fits.
    /// </summary>
    public static int LargestTile(Func<long, long, long> peakBytes, long budget)
    {
        if (peakBytes(MinTile, MinTile) > budget)
            throw new OutOfMemoryException(
                $"not enough free memory for even {MinTile}×{MinTile} tiles (about {peakBytes(MinTile, MinTile) / 1e6:F0} MB needed, {budget / 1e6:F0} MB budgeted); free memory or use a smaller model");
        int lo = MinTile / Granularity, hi = MaxTile / Granularity;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            long t = (long)mid * Granularity;
            if (peakBytes(t, t) <= budget) lo = mid; else hi = mid - 1;
        }
        return lo * Granularity;
    }
}
