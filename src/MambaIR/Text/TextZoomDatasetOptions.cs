using System.Collections;
using System.Globalization;

namespace MambaIR.Text;

/// <summary>
/// Options of a <see cref="TextZoomDataset"/>; <see cref="FromOptions"/> reads them from a BasicSR dataset entry
/// (<c>type: TextZoomDataset</c>).
/// </summary>
public sealed record TextZoomDatasetOptions
{
    /// <summary>The dataset type name used in option files.</summary>
    public const string TypeName = "TextZoomDataset";

    /// <summary>One or more TextZoom LMDB folders, concatenated in order (e.g. train1 and train2).</summary>
    public required IReadOnlyList<string> Roots { get; init; }

    /// <summary>Dataset name for logs and tables (default: the last folder name of the first root).</summary>
    public string? Name { get; init; }

    /// <summary>HR size (width, height); TextZoom: 128×32.</summary>
    public (int Width, int Height) HighResSize { get; init; } = (128, 32);

    /// <summary>LR size (width, height); TextZoom: 64×16 (×2).</summary>
    public (int Width, int Height) LowResSize { get; init; } = (64, 16);

    /// <summary>Append the TSRN mask as a fourth channel to both LR and HR.</summary>
    public bool Mask { get; init; }

    /// <summary>Labels with characters outside the alphabet: skip (default) or filter as the original loaders do.</summary>
    public TextZoomLabelPolicy LabelPolicy { get; init; } = TextZoomLabelPolicy.Reject;

    /// <summary>Samples whose filtered label is longer than this are skipped (the loaders' <c>max_len</c> = 100).</summary>
    public int MaxLabelLength { get; init; } = 100;

    /// <summary>
    /// Reads a BasicSR dataset entry: <c>dataroot</c> (or <c>dataroot_gt</c>; a string or a list of LMDB folders),
    /// optional <c>name</c>, <c>mask</c> (bool), <c>label_policy</c> (<c>reject</c>|<c>filter</c>), <c>max_len</c>,
    /// <c>hr_size</c>/<c>lr_size</c> ([w, h]). Unknown keys are left to the caller (loader keys such as batch_size_per_gpu).
    /// </summary>
    public static TextZoomDatasetOptions FromOptions(IReadOnlyDictionary<string, object?> opt)
    {
        if (opt.TryGetValue("type", out var t) && t is string ts && ts != TypeName)
            throw new ArgumentException($"dataset type is '{ts}', expected '{TypeName}'");
        object? root = opt.TryGetValue("dataroot", out var r) ? r : opt.TryGetValue("dataroot_gt", out var g) ? g : null;
        var roots = root switch
        {
            string s => new[] { s },
            IEnumerable e => e.Cast<object?>().Select(o => o?.ToString() ?? throw new ArgumentException("null entry in dataroot")).ToArray(),
            _ => throw new ArgumentException($"{TypeName}: 'dataroot' (an LMDB folder or a list of them) is required"),
        };
        var o = new TextZoomDatasetOptions { Roots = roots, Name = opt.TryGetValue("name", out var n) ? n?.ToString() : null };
        if (opt.TryGetValue("mask", out var m) && m != null) o = o with { Mask = ToBool(m, "mask") };
        if (opt.TryGetValue("label_policy", out var lp) && lp != null)
            o = o with { LabelPolicy = Enum.TryParse<TextZoomLabelPolicy>(lp.ToString(), true, out var p) ? p : throw new ArgumentException($"label_policy '{lp}': expected reject or filter") };
        if (opt.TryGetValue("max_len", out var ml) && ml != null) o = o with { MaxLabelLength = Convert.ToInt32(ml, CultureInfo.InvariantCulture) };
        if (opt.TryGetValue("hr_size", out var hs) && hs != null) o = o with { HighResSize = ToSize(hs, "hr_size") };
        if (opt.TryGetValue("lr_size", out var ls) && ls != null) o = o with { LowResSize = ToSize(ls, "lr_size") };
        return o;
    }

    static bool ToBool(object v, string key) => v switch
    {
        bool b => b,
        string s when bool.TryParse(s, out var b) => b,
        _ => throw new ArgumentException($"{key}: '{v}' is not true/false"),
    };

    static (int, int) ToSize(object v, string key)
    {
        var xs = (v as IEnumerable)?.Cast<object>().Select(x => Convert.ToInt32(x, CultureInfo.InvariantCulture)).ToArray();
        if (v is string || xs is not { Length: 2 } || xs[0] <= 0 || xs[1] <= 0) throw new ArgumentException($"{key}: expected [width, height], got '{v}'");
        return (xs[0], xs[1]);
    }
}
