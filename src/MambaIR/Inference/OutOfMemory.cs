namespace MambaIR.Inference;

/// <summary>Recognises allocation failures (libtorch's CPU and CUDA ones, .NET's own) and says what to do about them.</summary>
public static class OutOfMemory
{
    /// <summary>Runs <paramref name="run"/>; an out-of-memory error from it is rethrown as an <see cref="OutOfMemoryException"/> naming <paramref name="strategy"/>.</summary>
    public static T Explain<T>(Func<T> run, ITileStrategy strategy)
    {
        try { return run(); }
        catch (Exception e) when (IsOutOfMemory(e) && e is not OutOfMemoryException)
        {
            var inner = strategy is ChosenStrategy c ? c.Inner : strategy;
            string advice = inner is BlendedTiling b && b.TileSize > 64
                ? $"smaller tiles (e.g. {Math.Max(64, b.TileSize / 2)} px) or a smaller memory budget would fit"
                : "tiles of 128 px or a smaller memory budget would fit";
            throw new OutOfMemoryException($"out of memory with {strategy.Description}: {FirstLine(e.Message)}; {advice}, or run on the CPU if a GPU ran out", e);
        }
    }

    /// <summary>True for libtorch's "out of memory" / "can't allocate memory" errors and .NET's own.</summary>
    public static bool IsOutOfMemory(Exception e) => e is OutOfMemoryException
        || e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("not enough memory", StringComparison.OrdinalIgnoreCase);

    /// <summary>The first line of a (possibly multi-line, libtorch) message.</summary>
    public static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
