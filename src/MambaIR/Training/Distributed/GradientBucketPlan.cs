namespace MambaIR.Training.Distributed;

/// <summary>
/// How the gradients of a network's units (its outermost sub-modules, in the order the forward runs them) are grouped
/// for reduction during the backward: consecutive units, taken from the last (the first whose gradients are complete)
/// towards the first, each bucket closed once it holds at least <c>capBytes</c> of gradients, as PyTorch's
/// DistributedDataParallel does with <c>bucket_cap_mb</c>. A bucket is reduced as soon as every one of its units has
/// its gradients, while the backward goes on through the units before it.
/// </summary>
public sealed class GradientBucketPlan
{
    GradientBucketPlan(int[][] buckets, int[] bucketOfUnit) { Buckets = buckets; BucketOfUnit = bucketOfUnit; }

    /// <summary>The buckets in the order the backward completes them; each lists its units (indices in forward order), last unit first.</summary>
    public IReadOnlyList<int[]> Buckets { get; }

    /// <summary>For each unit (forward order), its bucket.</summary>
    public IReadOnlyList<int> BucketOfUnit { get; }

    /// <param name="unitBytes">Each unit's gradient bytes, in forward order.</param>
    /// <param name="capBytes">The size at which a bucket is closed (at least 1 byte).</param>
    public static GradientBucketPlan Build(IReadOnlyList<long> unitBytes, long capBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capBytes, 1L);
        var buckets = new List<int[]>();
        var of = new int[unitBytes.Count];
        var current = new List<int>();
        long bytes = 0;
        for (int i = unitBytes.Count - 1; i >= 0; i--)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(unitBytes[i]);
            current.Add(i);
            of[i] = buckets.Count;
            bytes += unitBytes[i];
            if (bytes >= capBytes)
            {
                buckets.Add(current.ToArray());
                current.Clear();
                bytes = 0;
            }
        }
        if (current.Count > 0) buckets.Add(current.ToArray());
        return new GradientBucketPlan(buckets.ToArray(), of);
    }
}
