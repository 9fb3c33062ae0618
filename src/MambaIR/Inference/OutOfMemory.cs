namespace MambaIR.Inference;

/// <summary>Turns libtorch's allocation failures (CPU or CUDA) into an <see cref="OutOfMemoryException"/> that says what to do.</summary>
public static class OutOfMemory
{
    /// <summary>Runs <paramref name="run"/>; an out-of-memory error from it is rethrown with advice naming <paramref name="strategy"/>.</summary>
    public static T Explain<T>(Func<T> run, ITileStrategy strategy)
    {
        try { return run(); }
        catch (Exception e) when (IsOutOfMemory(e))
        {
            string advice = strategy is BlendedTiling b && b.TileSize > 64
                ? $"try a smaller tile, e.g. --tile {Math.Max(64, b.TileSize / 2)}"
                : "try tiling with a small tile, e.g. --tile 128";
            throw new OutOfMemoryException($"out of memory with {strategy.Description}; {advice}, or --device cpu if a GPU ran out", e);
        }
    }

    /// <summary>True for libtorch's "out of memory" / "can't allocate memory" errors and .NET's own.</summary>
    public static bool IsOutOfMemory(Exception e) => e is OutOfMemoryException
        || e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("not enough memory", StringComparison.OrdinalIgnoreCase);
}
