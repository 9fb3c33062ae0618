using System.IO.Hashing;
using System.Text;

namespace MambaIR.Inference;

/// <summary>
/// One of <see cref="Count"/> deterministic parts of an input set, so that independent workers (a Slurm array, a
/// Kubernetes indexed Job) share a large restore with no coordinator. A file belongs to part
/// <c>XxHash64(its output path relative to the output folder) mod Count</c>: the assignment depends on the file alone, not
/// on which other files exist, so adding files later does not move finished ones to another part.
/// </summary>
/// <param name="Index">This part, 0-based (<c>SLURM_ARRAY_TASK_ID</c> from 0, <c>JOB_COMPLETION_INDEX</c>).</param>
/// <param name="Count">Number of parts.</param>
public sealed record Shard(int Index, int Count)
{
    /// <summary>The whole set.</summary>
    public static Shard All { get; } = new(0, 1);

    /// <summary>Checks the numbers.</summary>
    public Shard Validate() => Count < 1 ? throw new ArgumentOutOfRangeException(nameof(Count), Count, "the number of shards must be at least 1")
        : Index < 0 || Index >= Count ? throw new ArgumentOutOfRangeException(nameof(Index), Index, $"shard index {Index} is outside 0..{Count - 1} (it is 0-based)")
        : this;

    /// <summary>Parses <c>K/N</c> (0 ≤ K &lt; N).</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0].Trim(), out int k) || !int.TryParse(parts[1].Trim(), out int n))
            throw new FormatException($"shard '{text}' is not K/N (e.g. 0/4 for the first of four parts)");
        return new Shard(k, n).Validate();
    }

    /// <summary>True when the file with output path <paramref name="relativeOutput"/> (relative to the output folder) is in this part.</summary>
    public bool Contains(string relativeOutput)
    {
        if (Count == 1) return true;
        string key = relativeOutput.Replace('\\', '/');
        ulong hash = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(key));
        return (int)(hash % (ulong)Count) == Index;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Index}/{Count}";
}
