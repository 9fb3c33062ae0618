namespace MambaIR.Evaluation;

/// <summary>How a network is run on each test image.</summary>
public enum TilingMode
{
    /// <summary>The whole image in one forward pass.</summary>
    None,

    /// <summary>The official MambaIR test tiling (⌊h/200⌋+1 × ⌊w/200⌋+1 tiles, 10 % overlap, hard paste); needed to reproduce published numbers.</summary>
    Official,
}

/// <summary>The test-time procedure: tiling and optional ×8 geometric self-ensemble (the "MambaIR+" rows).</summary>
/// <param name="Tiling">Whole image or the official tiling.</param>
/// <param name="SelfEnsemble">Average the network's outputs over the 8 flips/transposes (each inverted back).</param>
public sealed record TestProcedure(TilingMode Tiling, bool SelfEnsemble)
{
    /// <summary>Printed form, e.g. <c>official tiling + self-ensemble ×8</c>.</summary>
    public override string ToString() =>
        (Tiling == TilingMode.Official ? "official tiling" : "whole image") + (SelfEnsemble ? " + self-ensemble ×8" : "");
}
