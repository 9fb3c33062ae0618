using static TorchSharp.torch;

namespace MambaIR.Tests.Models;

static class TensorEquality
{
    /// <summary>Same shape and bit-for-bit equal values.</summary>
    public static bool SameAs(this Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var eq = a.eq(b);
        using var all = eq.all();
        return all.item<bool>();
    }
}
