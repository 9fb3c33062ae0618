namespace MambaIR.Inference;

/// <summary>
/// The user's tiling choice (<c>--tile auto|none|N</c>, <c>--tile-overlap</c>, <c>--official-tiling</c>) turned into a
/// <see cref="ITileStrategy"/> for each image size.
/// <list type="bullet">
/// <item><b>auto</b> (default): the whole image when its estimated peak memory fits the budget (<see cref="TileSizer"/>),
/// since MambaIR's receptive field is global and tiling can only lose context; otherwise blended tiles of the largest size
/// that fits. Where memory cannot be measured, images up to <see cref="TileSizer.FallbackTile"/>² run whole, larger ones in tiles of that size.</item>
/// <item><b>none</b>: always the whole image.</item>
/// <item><b>N</b>: blended tiles of at most N×N pixels.</item>
/// <item><b>official</b>: the official MambaIR test tiling (<see cref="OfficialTiling"/>), to reproduce published numbers.</item>
/// </list>
/// </summary>
public sealed class TilingPolicy
{
    enum Kind { Auto, Whole, Fixed, Official }

    readonly Kind _kind;
    readonly int _tile;

    TilingPolicy(Kind kind, int tile, int? overlap)
    {
        _kind = kind; _tile = tile; Overlap = overlap;
        if (kind == Kind.Fixed) BlendAxis.Validate(tile, overlap ?? BlendedTiling.DefaultOverlap(tile));
        else if (overlap is < 0) throw new ArgumentOutOfRangeException(nameof(overlap), overlap, "tile overlap must not be negative");
    }

    /// <summary>Overlap for blended tiles, or null for <see cref="BlendedTiling.DefaultOverlap"/>.</summary>
    public int? Overlap { get; }

    public static TilingPolicy Auto(int? overlap = null) => new(Kind.Auto, 0, overlap);
    public static TilingPolicy Whole { get; } = new(Kind.Whole, 0, null);
    public static TilingPolicy Fixed(int tile, int? overlap = null) => new(Kind.Fixed, tile, overlap);
    public static TilingPolicy Official { get; } = new(Kind.Official, 0, null);

    /// <summary>Parses the command-line options; <paramref name="tile"/> is <c>auto</c>, <c>none</c> or a positive size.</summary>
    public static TilingPolicy Parse(string? tile, int? overlap, bool official)
    {
        string t = string.IsNullOrWhiteSpace(tile) ? "auto" : tile.Trim().ToLowerInvariant();
        if (official)
        {
            if (t != "auto" || overlap != null)
                throw new ArgumentException("--official-tiling fixes the tiles (⌊h/200⌋+1 × ⌊w/200⌋+1, 10 % overlap); drop --tile/--tile-overlap");
            return Official;
        }
        if (t == "auto") return Auto(overlap);
        if (t is "none" or "0")
        {
            if (overlap != null) throw new ArgumentException("--tile-overlap needs tiling; it cannot be used with --tile none");
            return Whole;
        }
        if (int.TryParse(t, out int size) && size > 0) return Fixed(size, overlap);
        throw new ArgumentException($"--tile '{tile}' is not recognised; use auto, none or a tile size in pixels (e.g. 256)");
    }

    /// <summary>True for <c>auto</c>, which measures the network's memory use (<see cref="RestorationNetwork.Memory"/>) to decide.</summary>
    public bool MeasuresMemory => _kind == Kind.Auto;

    public string Description => _kind switch
    {
        Kind.Auto => "auto (whole image when it fits in memory, else blended tiles sized to memory)",
        Kind.Whole => "none (whole image)",
        Kind.Fixed => new BlendedTiling(_tile, Overlap).Description,
        _ => new OfficialTiling().Description,
    };

    /// <summary>The strategy for an image of <paramref name="height"/> × <paramref name="width"/> input pixels.</summary>
    public ITileStrategy Choose(long height, long width, RestorationNetwork network)
    {
        switch (_kind)
        {
            case Kind.Whole: return new WholeImage();
            case Kind.Official: return new OfficialTiling();
            case Kind.Fixed: return height <= _tile && width <= _tile ? new WholeImage() : new BlendedTiling(_tile, Overlap);
        }
        var budget = TileSizer.Budget(network);
        int tile;
        if (budget is { } b && network.Memory is { } memory)
        {
            if (TileSizer.Fits(memory.Bytes, height, width, b)) return new WholeImage();
            tile = TileSizer.LargestTile(memory.Bytes, b);
        }
        else
        {
            if (height <= TileSizer.FallbackTile && width <= TileSizer.FallbackTile) return new WholeImage();
            tile = TileSizer.FallbackTile;
        }
        int overlap = Math.Min(Overlap ?? BlendedTiling.DefaultOverlap(tile), (tile - 2) / 3);
        return new BlendedTiling(tile, overlap);
    }
}
