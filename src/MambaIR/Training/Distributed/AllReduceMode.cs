namespace MambaIR.Training.Distributed;

/// <summary>How an all-reduce combines the ranks' values.</summary>
public enum AllReduceMode
{
    /// <summary>Every rank ends with rank 0's value + rank 1's + …</summary>
    Sum,
    /// <summary>The sum divided by the world size (gradients of a mean loss over the global batch).</summary>
    Average,
}
