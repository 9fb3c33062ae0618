using MambaIR.Models;
using MambaIR.Native;

namespace MambaIR.Inference;

/// <summary>
/// How images are split for the network, turned into an <see cref="ITileStrategy"/> for each image size.
/// <list type="bullet">
/// <item><b>auto</b> (default): within a memory budget (<see cref="MemoryBudget"/>; the model's memory per pixel is measured),
/// the tile size that was measured fastest (<see cref="TileSpeedProbe"/>); an image that fits in one such tile and in the
/// budget runs whole (MambaIR's receptive field is global, so whole images lose no context). Small images run whole
/// without measuring. Baselines always run whole.</item>
/// <item><b>whole</b>: always the whole image.</item>
/// <item><b>fixed</b>: blended tiles of at most N×N pixels.</item>
/// <item><b>official</b>: the official MambaIR test tiling (<see cref="OfficialTiling"/>), to reproduce published numbers.</item>
/// </list>
/// </summary>
public sealed class TilingPolicy
{
    /// <summary>
    /// Images of at most this many pixels that fit in memory run whole under <c>auto</c> without a speed measurement: at
    /// this size the measurement would cost as much as the image, and tiles would only add overlap and lose context.
    /// </summary>
    public const long SmallImagePixels = 256 * 256;

    enum Kind { Auto, Whole, Fixed, Official }

    readonly Kind _kind;
    readonly int _tile;

    TilingPolicy(Kind kind, int tile, int? overlap, MemoryBudget budget)
    {
        _kind = kind; _tile = tile; Overlap = overlap; Budget = budget;
        if (kind == Kind.Fixed) BlendAxis.Validate(tile, overlap ?? BlendedTiling.DefaultOverlap(tile));
        else if (overlap is < 0) throw new ArgumentOutOfRangeException(nameof(overlap), overlap, "tile overlap must not be negative");
    }

    /// <summary>Overlap for blended tiles, or null for <see cref="BlendedTiling.DefaultOverlap"/>.</summary>
    public int? Overlap { get; }

    /// <summary>The memory one network call may use (<c>auto</c> only).</summary>
    public MemoryBudget Budget { get; }

    /// <summary>Fastest measured tiles within <paramref name="budget"/> (default: a quarter of physical memory).</summary>
    public static TilingPolicy Auto(MemoryBudget? budget = null, int? overlap = null) => new(Kind.Auto, 0, overlap, budget ?? MemoryBudget.Default);
    /// <summary>Always the whole image.</summary>
    public static TilingPolicy Whole { get; } = new(Kind.Whole, 0, null, MemoryBudget.Default);
    /// <summary>Blended tiles of at most <paramref name="tile"/>² pixels; <paramref name="overlap"/> null for the default.</summary>
    public static TilingPolicy Fixed(int tile, int? overlap = null) => new(Kind.Fixed, tile, overlap, MemoryBudget.Default);
    /// <summary>The official MambaIR test tiling.</summary>
    public static TilingPolicy Official { get; } = new(Kind.Official, 0, null, MemoryBudget.Default);

    /// <summary>True for <c>auto</c>, which measures the model's memory and speed to decide.</summary>
    public bool IsAuto => _kind == Kind.Auto;

    /// <summary>One line for logs.</summary>
    public string Description => _kind switch
    {
        Kind.Auto => "auto (fastest measured tile size within the memory budget; whole image when it fits in one)",
        Kind.Whole => "none (whole image)",
        Kind.Fixed => new BlendedTiling(_tile, Overlap).Description,
        _ => new OfficialTiling().Description,
    };

    /// <summary>The strategy for an image of <paramref name="height"/> × <paramref name="width"/> input pixels.</summary>
    /// <param name="model">The model (its memory and budget decide <c>auto</c>).</param>
    /// <param name="speed">Measures tile speed for <c>auto</c>; kept by the caller across images.</param>
    /// <exception cref="OutOfMemoryException">Not even the smallest tile fits the budget.</exception>
    public ITileStrategy Choose(long height, long width, ModelDescriptor model, TileSpeedProbe? speed = null)
    {
        switch (_kind)
        {
            case Kind.Whole: return new WholeImage();
            case Kind.Official: return new OfficialTiling();
            case Kind.Fixed: return height <= _tile && width <= _tile ? new WholeImage() : new BlendedTiling(_tile, Overlap);
        }
        if (!model.TilingSafe) return new WholeImage();
        long? budget = Budget.For(model.Device, model.AvailableBytes());
        int maxTile;
        bool wholeFits;
        string memoryNote;
        if (budget is { } b && model.Memory is { } memory)
        {
            maxTile = TileSizer.LargestTile(memory.Bytes, b);
            wholeFits = TileSizer.Fits(memory.Bytes, height, width, b);
            memoryNote = $"budget {b / 1e9:F1} GB, ~{memory.BytesPerPixel / 1e3:F1} kB/pixel";
        }
        else
        {
            maxTile = TileSizer.FallbackTile;
            wholeFits = height <= TileSizer.FallbackTile && width <= TileSizer.FallbackTile;
            memoryNote = "memory use unknown here";
        }
        if (wholeFits && height * width <= SmallImagePixels) return new ChosenStrategy(new WholeImage(), $"auto: small image; {memoryNote}");
        if (speed is null)
        {
            if (wholeFits) return new ChosenStrategy(new WholeImage(), $"auto: fits; {memoryNote}");
            return Blended(maxTile, $"auto: largest tile in memory; {memoryNote}");
        }
        int tile = speed.Fastest(maxTile, (int)Math.Min(int.MaxValue, Math.Max(height, width)), height * width);
        string why = $"auto: {tile} px measured fastest ({string.Join(", ", speed.Seconds.Select(kv => $"{kv.Key} px {speed.Speed(kv.Key) / 1e6:F2} Mpx/s"))}); {memoryNote}";
        if (wholeFits && (Math.Max(height, width) <= tile || height * width <= (long)tile * tile))
            return new ChosenStrategy(new WholeImage(), why);
        return Blended(tile, why);
    }

    ITileStrategy Blended(int tile, string why)
    {
        int overlap = Math.Min(Overlap ?? BlendedTiling.DefaultOverlap(tile), (tile - 2) / 3);
        return new ChosenStrategy(new BlendedTiling(tile, overlap), why);
    }
}
