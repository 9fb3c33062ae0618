using static TorchSharp.torch;

namespace MambaIR.Tests.Training;

static class TensorAssert
{
    /// <summary>Same shape and every element bit-equal (NaN never equal).</summary>
    public static bool Same(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();
}
