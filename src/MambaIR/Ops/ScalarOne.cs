using TorchSharp;

namespace MambaIR.Ops;

/// <summary>
/// The scalar 1 as one long-lived TorchSharp <see cref="Scalar"/>, for additions in code that runs many times per forward.
/// TorchSharp's <c>a + b</c> is <c>a.add(b, 1)</c> with an implicit, finalisable Scalar that nothing references once
/// its handle is passed to libtorch, so the garbage collector may finalise it while libtorch still reads it
/// (TorchSharp#1434; a full test run here failed once in <c>c10::Scalar::toDouble</c> that way). <c>a.add(b, ScalarOne.Value)</c>
/// is the same arithmetic with an alpha that lives as long as the process.
/// </summary>
internal static class ScalarOne
{
    public static readonly Scalar Value = 1.ToScalar();

    /// <summary>a + b.</summary>
    public static torch.Tensor Add(torch.Tensor a, torch.Tensor b) => a.add(b, Value);
}
