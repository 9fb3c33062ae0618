using static TorchSharp.torch;

namespace MambaIR.Models;

/// <summary>What the caller of <see cref="ModelFactory.Create"/> needs, where a name alone does not say it.</summary>
public sealed record ModelRequest
{
    /// <summary>The task; decides which baseline <c>bicubic</c>/<c>identity</c> mean, and overrides the purpose inferred for a checkpoint.</summary>
    public ModelPurpose? Purpose { get; init; }
    /// <summary>Scale for the bicubic baseline (networks take theirs from the weights).</summary>
    public int? Scale { get; init; }
    /// <summary>Channels of the baselines (1 for grey tasks; default 3, and 1 for JPEG artifact removal).</summary>
    public int? Channels { get; init; }
    /// <summary>Where networks run (default CPU).</summary>
    public Device? Device { get; init; }
    /// <summary>Dtype of network weights: float32 or float64.</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;
    /// <summary>Top-level key of the weights in a checkpoint (<c>auto</c>: params_ema, else params).</summary>
    public string ParamKey { get; init; } = "auto";
    /// <summary>MambaIRv2's routing (null: deterministic); ignored by the other families.</summary>
    public V2.MambaIRv2Routing? Routing { get; init; }
}
