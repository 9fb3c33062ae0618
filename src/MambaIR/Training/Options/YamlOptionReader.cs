using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MambaIR.Training.Options;

/// <summary>
/// Reads a BasicSR option file into an <see cref="OptionMap"/> with the values PyYAML gives (BasicSR loads options with
/// <c>yaml.load(f, Loader)</c>, i.e. YAML 1.1 resolution): plain scalars become <c>null</c> (<c>~</c>, <c>null</c>,
/// empty), booleans (<c>true/false/yes/no/on/off</c> in their three spellings), integers (decimal, <c>0x</c>, <c>0b</c>,
/// YAML 1.1 octal <c>0755</c>, base 60, underscores) or floats only when written with a dot
/// (<c>1.</c>, <c>.5</c>, <c>2.0e-4</c> with a signed exponent, <c>.inf</c>, <c>.nan</c>); anything else, such as
/// <c>5e3</c> or <c>2e-4</c>, stays a string, which is why the official files write <c>!!float 5e3</c>. Quoted
/// scalars are strings. Explicit tags <c>!!float</c>, <c>!!int</c>, <c>!!str</c>, <c>!!bool</c>, <c>!!null</c> convert as
/// PyYAML's constructors do. The document is parsed by YamlDotNet; comments may hold any characters (the official files
/// have full-width commas in them).
/// </summary>
public static class YamlOptionReader
{
    const string TagPrefix = "tag:yaml.org,2002:";

    static readonly Regex Bool = new("^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$", RegexOptions.CultureInvariant);
    static readonly Regex Int = new(@"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$", RegexOptions.CultureInvariant);
    static readonly Regex Float = new(@"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", RegexOptions.CultureInvariant);
    static readonly Regex Null = new("^(?:~|null|Null|NULL|)$", RegexOptions.CultureInvariant);

    /// <summary>Reads <paramref name="path"/>. Errors name the file (and line for syntax errors).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not valid YAML, not a mapping at the top, or a value PyYAML would reject.</exception>
    public static OptionMap ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"option file not found: {path}", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses YAML text; <paramref name="source"/> names it in errors.</summary>
    public static OptionMap Parse(string text, string source = "options")
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{source}:{e.Start.Line}:{e.Start.Column}: not valid YAML: {e.InnerException?.Message ?? e.Message}", e);
        }
        if (stream.Documents.Count == 0) throw new InvalidDataException($"{source}: the option file is empty");
        var root = stream.Documents[0].RootNode;
        if (root is not YamlMappingNode map)
            throw new InvalidDataException($"{source}: expected a mapping of option keys at the top level, found {root.NodeType}");
        return (OptionMap)Convert(map, "", source)!;
    }

    /// <summary>Resolves one plain scalar as PyYAML's implicit resolvers do (used for overrides as well).</summary>
    public static object? ResolvePlain(string value)
    {
        if (Null.IsMatch(value)) return null;
        if (Bool.IsMatch(value)) return value[0] is 'y' or 'Y' or 't' or 'T' || value is "on" or "On" or "ON";
        if (Int.IsMatch(value)) return ConstructInt(value);
        if (Float.IsMatch(value)) return ConstructFloat(value);
        return value;
    }

    static object? Convert(YamlNode node, string path, string source)
    {
        switch (node)
        {
            case YamlMappingNode m:
            {
                var map = new OptionMap(path);
                foreach (var (k, v) in m.Children)
                {
                    if (k is not YamlScalarNode ks) throw new InvalidDataException($"{source}:{k.Start.Line}: option keys must be plain names");
                    string key = ks.Value ?? "";
                    string childPath = path.Length == 0 ? key : path + ":" + key;
                    map.Set(key, Convert(v, childPath, source));
                }
                return map;
            }
            case YamlSequenceNode s:
                return new OptionList(s.Children.Select((c, i) => Convert(c, $"{path}[{i}]", source)));
            case YamlScalarNode sc:
                try { return Scalar(sc); }
                catch (FormatException e) { throw new InvalidDataException($"{source}:{sc.Start.Line}: {path}: {e.Message}", e); }
            default:
                throw new InvalidDataException($"{source}:{node.Start.Line}: {path}: unsupported YAML node {node.NodeType}");
        }
    }

    static object? Scalar(YamlScalarNode sc)
    {
        string value = sc.Value ?? "";
        string tag = sc.Tag.IsEmpty ? "" : sc.Tag.Value;
        if (tag.StartsWith(TagPrefix, StringComparison.Ordinal))
        {
            return tag[TagPrefix.Length..] switch
            {
                "float" => ConstructFloat(value),
                "int" => ConstructInt(value),
                "str" => value,
                "bool" => Bool.IsMatch(value) ? ResolvePlain(value) : throw new FormatException($"'{value}' is not a YAML boolean"),
                "null" => null,
                var t => throw new FormatException($"tag !!{t} is not supported in option files"),
            };
        }
        if (tag.Length > 0 && tag != "!") throw new FormatException($"tag {tag} is not supported in option files");
        if (sc.Style != ScalarStyle.Plain || tag == "!") return value;
        return ResolvePlain(value);
    }

    /// <summary>PyYAML's <c>construct_yaml_float</c>: underscores dropped, sign, <c>.inf</c>/<c>.nan</c>, base 60, else Python <c>float()</c>.</summary>
    static double ConstructFloat(string text)
    {
        string v = text.Replace("_", "").ToLowerInvariant().Trim();
        int sign = 1;
        if (v.StartsWith('-')) { sign = -1; v = v[1..]; }
        else if (v.StartsWith('+')) v = v[1..];
        if (v == ".inf") return sign * double.PositiveInfinity;
        if (v == ".nan") return double.NaN;
        if (v.Contains(':'))
        {
            double result = 0, b = 1;
            foreach (var part in v.Split(':').Reverse()) { result += double.Parse(part, CultureInfo.InvariantCulture) * b; b *= 60; }
            return sign * result;
        }
        // Python float(): decimal literals with optional exponent; also 'inf', 'nan', 'infinity'.
        if (v is "inf" or "infinity") return sign * double.PositiveInfinity;
        if (v == "nan") return double.NaN;
        if (!Regex.IsMatch(v, @"^(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$"))
            throw new FormatException($"'{text}' is not a float");
        return sign * double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>PyYAML's <c>construct_yaml_int</c> (YAML 1.1: <c>0b</c>, <c>0x</c>, leading-zero octal, base 60).</summary>
    static long ConstructInt(string text)
    {
        string v = text.Replace("_", "").Trim();
        int sign = 1;
        if (v.StartsWith('-')) { sign = -1; v = v[1..]; }
        else if (v.StartsWith('+')) v = v[1..];
        try
        {
            if (v == "0") return 0;
            if (v.StartsWith("0b", StringComparison.Ordinal)) return sign * System.Convert.ToInt64(v[2..], 2);
            if (v.StartsWith("0x", StringComparison.Ordinal)) return sign * long.Parse(v[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (v.StartsWith('0')) return sign * System.Convert.ToInt64(v, 8);
            if (v.Contains(':'))
            {
                long result = 0, b = 1;
                foreach (var part in v.Split(':').Reverse()) { result += long.Parse(part, CultureInfo.InvariantCulture) * b; b *= 60; }
                return sign * result;
            }
            return sign * long.Parse(v, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new FormatException($"'{text}' is not an integer that fits in 64 bits");
        }
    }
}
