namespace MambaIR.Models;

/// <summary>Input sizes a model accepts: height and width at least <paramref name="Minimum"/> and multiples of <paramref name="Multiple"/>.</summary>
/// <param name="Multiple">Both sides must be multiples of this (1: any size; networks that pad internally need no constraint).</param>
/// <param name="Minimum">Smallest side.</param>
public sealed record SizeRequirements(int Multiple = 1, int Minimum = 1)
{
    /// <summary>Any size of at least one pixel.</summary>
    public static SizeRequirements Any { get; } = new();

    /// <summary>True when an <paramref name="height"/> × <paramref name="width"/> input is accepted.</summary>
    public bool Accepts(long height, long width) =>
        height >= Minimum && width >= Minimum && height % Multiple == 0 && width % Multiple == 0;

    /// <summary>Printed form, e.g. <c>any size</c> or <c>sides ≥ 8, multiples of 16</c>.</summary>
    public override string ToString() => Multiple == 1 && Minimum == 1 ? "any size"
        : $"sides ≥ {Minimum}{(Multiple > 1 ? $", multiples of {Multiple}" : "")}";
}
