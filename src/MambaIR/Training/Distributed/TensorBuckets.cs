using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Distributed;

/// <summary>
/// Flattens a list of tensors into one contiguous bucket per dtype (in list order) and copies a reduced bucket back,
/// so a collective over hundreds of parameters is a handful of transfers. Shared by the all-reduce implementations.
/// </summary>
internal static class TensorBuckets
{
    /// <summary>One bucket: its dtype, the flat tensor, and the indices of the tensors it holds.</summary>
    internal sealed record Bucket(ScalarType Dtype, Tensor Flat, int[] Members);

    /// <summary>The buckets of <paramref name="tensors"/> (the flat tensors are new; the caller disposes them, e.g. with a dispose scope).</summary>
    public static List<Bucket> Flatten(IReadOnlyList<Tensor> tensors)
    {
        var buckets = new List<Bucket>();
        var device = tensors.Count > 0 ? tensors[0].device : CPU;
        foreach (var group in Enumerable.Range(0, tensors.Count).GroupBy(i => tensors[i].dtype))
        {
            var members = group.ToArray();
            foreach (int i in members)
                if (tensors[i].device.type != device.type || tensors[i].device.index != device.index)
                    throw new ArgumentException($"all-reduce: tensor {i} is on {tensors[i].device}, tensor 0 on {device}; every tensor must be on one device");
            using var noGrad = no_grad();
            var flat = members.Length == 1
                ? tensors[members[0]].detach().reshape(-1).contiguous().clone()
                : cat(members.Select(i => tensors[i].detach().reshape(-1)).ToArray(), 0);
            buckets.Add(new Bucket(group.Key, flat, members));
        }
        return buckets;
    }

    /// <summary>Copies <paramref name="flat"/> (a reduced bucket) back into the member tensors.</summary>
    public static void Scatter(Tensor flat, IReadOnlyList<Tensor> tensors, int[] members)
    {
        using var noGrad = no_grad();
        long offset = 0;
        foreach (int i in members)
        {
            var t = tensors[i];
            long n = t.numel();
            using var part = flat.narrow(0, offset, n).view(t.shape);
            t.copy_(part);
            offset += n;
        }
    }
}
