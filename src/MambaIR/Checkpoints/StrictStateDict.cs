using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Checkpoints;

/// <summary>
/// PyTorch's <c>load_state_dict(strict=True)</c>: every key of the module present in the weights with the same shape, no
/// key left over, a floating-point tensor for every floating-point parameter, values converted to the module's dtype and device. A <c>module.</c> prefix on every key
/// (DataParallel) is ignored. Used for the restoration networks and the text recognizers alike.
/// </summary>
public static class StrictStateDict
{
    /// <summary>Copies <paramref name="weights"/> into <paramref name="module"/>.</summary>
    /// <param name="source">The file (or other origin) named in errors.</param>
    /// <param name="network">The network in words, e.g. <c>MambaIR v1 (embed_dim 60, ...)</c>.</param>
    /// <exception cref="CheckpointException">Missing or unexpected keys, shape mismatches (all listed), or non-float weights.</exception>
    public static void Copy(nn.Module module, IReadOnlyDictionary<string, Tensor> weights, string source, string network)
    {
        var src = StateDictKeys.WithoutModulePrefix(weights);
        var target = module.state_dict();
        var problems = StateDictLayout.Compare(StateDictLayout.Of(target), StateDictLayout.Of(src));
        if (problems.Count > 0)
            throw new CheckpointException(source, $"weights do not match {network}: {string.Join("; ", problems)}");
        foreach (var (key, param) in target)
            if (param.is_floating_point() && !src[key].is_floating_point())
                throw new CheckpointException(source, $"{key} has dtype {src[key].dtype}; expected floating-point weights");
        using var noGrad = no_grad();
        foreach (var (key, param) in target)
            param.copy_(src[key]);
    }
}
