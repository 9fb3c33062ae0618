using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using MambaIR.Inference;
using MambaIR.Native;
using TorchSharp;

namespace MambaIR.Cli;

/// <summary>
/// Options shared by several commands, so they are spelled, documented and validated the same everywhere. Every value is
/// checked at parse time; a bad one is a one-line error and exit code 2.
/// </summary>
public static class CliOptions
{
    public static Option<string> Device() => new("--device")
    {
        Description = "auto, cpu, cuda or cuda:N. CUDA needs MAMBAIR_LIBTORCH (or --libtorch) pointing at a CUDA libtorch, e.g. a PyTorch install's torch/lib.",
        DefaultValueFactory = _ => "auto",
        Validators = { r => Check(r, v => v is "auto" or "cpu" or "cuda" || (v.StartsWith("cuda:") && int.TryParse(v[5..], out int i) && i >= 0), "auto, cpu, cuda or cuda:N") },
    };

    /// <summary>The type the network runs in: float32 (default), float64, or reduced precision (bfloat16, float16).</summary>
    public static Option<string> DType() => new("--dtype")
    {
        Description = "float32 (default), float64 (slower; for checking numerics), bfloat16 or float16 (reduced precision: weights and activations in the type, the selective scan in float32).",
        DefaultValueFactory = _ => "float32",
        Validators = { r => { if (TryParseDType(r.GetValueOrDefault<string>()) is null) r.AddError($"--dtype '{r.GetValueOrDefault<string>()}': use float32, float64, bfloat16 or float16"); } },
    };

    /// <summary>Training: <c>--mixed-precision bf16</c> (the only reduced type training takes); read it with <see cref="MixedPrecisionType"/>.</summary>
    public static Option<string?> MixedPrecision(string description) => new("--mixed-precision")
    {
        Description = description,
        Validators = { r => { if (r.GetValueOrDefault<string?>() is { } v && TryParseDType(v) != torch.ScalarType.BFloat16) r.AddError($"--mixed-precision '{v}': use bfloat16 (bf16)"); } },
    };

    /// <summary>The type a validated <see cref="MixedPrecision"/> value names, or null when the option was not given.</summary>
    public static torch.ScalarType? MixedPrecisionType(string? value) => value is null ? null : TryParseDType(value);

    /// <summary>CUDA: TF32 tensor cores for float32 matrix products and convolutions; <paramref name="defaultValue"/> when not given
    /// (restore and eval: libtorch's default; the benchmarks: off, so that float32 is float32).</summary>
    public static Option<string> Tf32(string defaultValue = "default") => new("--tf32")
    {
        Description = "CUDA: TF32 for float32 matrix products and convolutions: on, off, or default (libtorch's: convolutions on, matrix products off)"
            + (defaultValue == "default" ? "." : $"; {defaultValue} unless given."),
        DefaultValueFactory = _ => defaultValue,
        Validators = { r => { if (r.GetValueOrDefault<string>()?.Trim().ToLowerInvariant() is not ("on" or "off" or "default")) r.AddError($"--tf32 '{r.GetValueOrDefault<string>()}': use on, off or default"); } },
    };

    /// <summary>on → true, off → false, default → null (leave libtorch's switches).</summary>
    public static bool? ParseTf32(string? text) => text?.Trim().ToLowerInvariant() switch { "on" => true, "off" => false, _ => null };

    /// <summary>float32/fp32, float64/fp64, bfloat16/bf16, float16/fp16/half; null for anything else.</summary>
    public static torch.ScalarType? TryParseDType(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" => torch.ScalarType.Float32,
        "float64" or "fp64" => torch.ScalarType.Float64,
        "bfloat16" or "bf16" => torch.ScalarType.BFloat16,
        "float16" or "fp16" or "half" => torch.ScalarType.Float16,
        _ => null,
    };

    public static Option<string?> LibTorch() => new("--libtorch")
    {
        Description = "Folder of an existing libtorch to use instead of the bundled CPU one (overrides MAMBAIR_LIBTORCH).",
        Validators = { r => { if (r.GetValueOrDefault<string?>() is { } d && !Directory.Exists(d)) r.AddError($"--libtorch {d}: no such folder"); } },
    };

    public static Option<int?> Threads() => new("--threads")
    {
        Description = "CPU threads for libtorch and the scan kernel (default: all cores).",
        Validators = { r => { if (r.GetValueOrDefault<int?>() is { } t && t is < 1 or > 4096) r.AddError($"--threads {t}: must be 1 or more"); } },
    };

    /// <summary><c>--routing deterministic|gumbel</c> (MambaIRv2 networks).</summary>
    public static Option<string> Routing() => new("--routing")
    {
        Description = "MambaIRv2 routing: deterministic (argmax, reproducible; the default) or gumbel (the official code's stochastic routing, seeded by --seed).",
        DefaultValueFactory = _ => "deterministic",
        Validators = { r => Check(r, v => v is "deterministic" or "gumbel", "deterministic or gumbel") },
    };

    /// <summary><c>--seed N</c>: the Gumbel routing's seed.</summary>
    public static Option<long?> Seed() => new("--seed") { Description = "Seed of the Gumbel routing (with --routing gumbel; default 0)." };

    /// <summary>The routing <c>--routing</c> and <c>--seed</c> ask for; messages name the flags.</summary>
    public static Models.V2.MambaIRv2Routing ParseRouting(string? routing, long? seed)
    {
        bool gumbel = (routing ?? "deterministic").Trim().ToLowerInvariant() == "gumbel";
        if (!gumbel && seed != null) throw new ArgumentException("--seed seeds the stochastic routing: use it with --routing gumbel");
        return gumbel ? Models.V2.MambaIRv2Routing.Gumbel(seed ?? 0) : Models.V2.MambaIRv2Routing.Deterministic;
    }

    /// <summary>Rejects a non-default routing for a model that is not a MambaIRv2 network.</summary>
    public static void CheckRouting(Models.ModelDescriptor model, Models.V2.MambaIRv2Routing routing, string modelArg)
    {
        if (routing.Mode != Models.V2.RoutingMode.Deterministic && model.Model is not Models.V2.MambaIRv2Net)
            throw new ArgumentException($"--routing gumbel: --model {modelArg} is {(model.Network is { } n ? Models.NetworkConfigs.Label(n.Architecture) : null) ?? "a baseline"}, which has no routing (MambaIRv2 networks only)");
    }

    public static Option<bool> Quiet() => new("--quiet", "-q") { Description = "No progress display; only the summary and errors." };

    /// <summary>The model: a checkpoint file or a name (<see cref="Models.ModelFactory"/>).</summary>
    public static Option<string> Model(string description, bool required = true) => new("--model", "-m") { Description = description, Required = required };

    /// <summary><c>--tile auto|none|official|N</c>.</summary>
    public static Option<string> Tile(string defaultValue, string description) => new("--tile")
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        Validators = { r => { try { ParseTile(r.GetValueOrDefault<string>(), null); } catch (ArgumentException e) { r.AddError(e.Message); } } },
    };

    public static Option<int?> TileOverlap() => new("--tile-overlap")
    {
        Description = "Pixels shared by neighbouring tiles, cross-faded (default: tile/8, at most 32; at most (tile−2)/3).",
        Validators = { r => { if (r.GetValueOrDefault<int?>() is < 0) r.AddError("--tile-overlap must not be negative"); } },
    };

    /// <summary>Parses <c>--tile</c> (with <c>--tile-overlap</c> and the memory budget) into a policy; messages name the flags.</summary>
    public static TilingPolicy ParseTile(string? tile, int? overlap, MemoryBudget? budget = null)
    {
        string t = string.IsNullOrWhiteSpace(tile) ? "auto" : tile.Trim().ToLowerInvariant();
        switch (t)
        {
            case "auto": return TilingPolicy.Auto(budget, overlap);
            case "none" or "whole":
                if (overlap != null) throw new ArgumentException("--tile-overlap needs tiles; it cannot be used with --tile none");
                return TilingPolicy.Whole;
            case "official":
                if (overlap != null) throw new ArgumentException("--tile official fixes the overlap (10 %); drop --tile-overlap");
                return TilingPolicy.Official;
        }
        if (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int size))
            throw new ArgumentException($"--tile '{tile}': use auto, none, official or a tile size in pixels (e.g. 256)");
        if (size < TileSizer.MinTile) throw new ArgumentException($"--tile {size}: tiles must be at least {TileSizer.MinTile} pixels");
        int o = overlap ?? BlendedTiling.DefaultOverlap(size);
        if (3 * o > size - 2) throw new ArgumentException($"--tile-overlap {o} is too large for --tile {size}: at most {(size - 2) / 3}");
        return TilingPolicy.Fixed(size, overlap);
    }

    /// <summary><c>--max-memory SIZE</c>: 512M, 4G, 1.5GB, or bytes.</summary>
    public static Option<string?> MaxMemory() => new("--max-memory")
    {
        Description = "Memory one network call may use, e.g. 4G or 800M (default: a quarter of physical memory). --tile auto stays within it.",
        Validators = { r => { if (r.GetValueOrDefault<string?>() is { } v && ParseBytes(v) is null) r.AddError($"--max-memory '{v}': expected a size such as 4G, 800M or 1.5GB"); } },
    };

    /// <summary>Bytes of a size with an optional K/M/G/T suffix (powers of 1024; a trailing B or iB is allowed), or null.</summary>
    public static long? ParseBytes(string text)
    {
        string s = text.Trim().ToUpperInvariant();
        if (s.EndsWith("IB")) s = s[..^2]; else if (s.EndsWith('B')) s = s[..^1];
        double unit = 1;
        if (s.Length > 0 && "KMGT".IndexOf(s[^1]) is int i and >= 0) { unit = Math.Pow(1024, i + 1); s = s[..^1]; }
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v * unit)
            ? (long)(v * unit) : null;
    }

    /// <summary>Adds "value: expected ..." to <paramref name="r"/> unless <paramref name="ok"/> holds for the lower-cased value.</summary>
    static void Check(OptionResult r, Func<string, bool> ok, string expected)
    {
        if (r.GetValueOrDefault<string>() is { } v && !ok(v.Trim().ToLowerInvariant()))
            r.AddError($"{r.Option.Name} '{v}': expected {expected}");
    }

    /// <summary>An integer option that must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int?> IntInRange(string name, int min, int max, string description) => new(name)
    {
        Description = description,
        Validators = { r => { if (r.GetValueOrDefault<int?>() is { } v && (v < min || v > max)) r.AddError($"{name} {v}: must be {min}..{max}"); } },
    };

    /// <summary>Rejects input tokens that look like options (<c>-s 2</c>, <c>--outscale</c>) but name no existing file.</summary>
    public static void RejectOptionLikeInputs(Argument<string[]> inputs) => inputs.Validators.Add(r =>
    {
        foreach (var token in r.Tokens)
            if (token.Value.StartsWith('-') && token.Value.Length > 1 && !File.Exists(token.Value) && !Directory.Exists(token.Value))
                r.AddError($"unknown option '{token.Value}' (see --help; a file whose name starts with '-' can be given as ./{token.Value})");
    });
}
