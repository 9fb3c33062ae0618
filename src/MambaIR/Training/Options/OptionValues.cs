using System.Globalization;

namespace MambaIR.Training.Options;

/// <summary>
/// Typed reads of option values with BasicSR's leniency: integers may be written as floats with no fraction
/// (<c>!!float 5e3</c> for a frequency), numbers may arrive as strings (plain <c>5e3</c> is a string in YAML 1.1, and
/// overrides such as <c>-1</c> stay strings in BasicSR), and a single string stands for a one-element list where a list
/// of folders is allowed. Every error names the key and the value found.
/// </summary>
public static class OptionValues
{
    public static string? GetString(this OptionMap m, string key, string? fallback = null)
    {
        if (!m.TryGet(key, out var v) || v is null) return fallback;
        return v switch
        {
            string s => s,
            long or double or bool => OptionMap.Describe(v),
            _ => throw new OptionException(m.PathOf(key), $"must be a string, got {OptionMap.Describe(v)}"),
        };
    }

    public static string RequireString(this OptionMap m, string key) =>
        m.GetString(key) ?? throw new OptionException(m.PathOf(key), "is required");

    public static double? GetDoubleOrNull(this OptionMap m, string key)
    {
        if (!m.TryGet(key, out var v) || v is null) return null;
        return ToDouble(m.PathOf(key), v);
    }

    public static double GetDouble(this OptionMap m, string key, double fallback) => m.GetDoubleOrNull(key) ?? fallback;

    public static double RequireDouble(this OptionMap m, string key) =>
        m.GetDoubleOrNull(key) ?? throw new OptionException(m.PathOf(key), "is required (a number)");

    public static long? GetLongOrNull(this OptionMap m, string key)
    {
        if (!m.TryGet(key, out var v) || v is null) return null;
        return ToLong(m.PathOf(key), v);
    }

    public static int? GetIntOrNull(this OptionMap m, string key)
    {
        long? l = m.GetLongOrNull(key);
        if (l is null) return null;
        if (l > int.MaxValue || l < int.MinValue) throw new OptionException(m.PathOf(key), $"{l} is out of range");
        return (int)l;
    }

    public static int GetInt(this OptionMap m, string key, int fallback) => m.GetIntOrNull(key) ?? fallback;

    public static int RequireInt(this OptionMap m, string key) =>
        m.GetIntOrNull(key) ?? throw new OptionException(m.PathOf(key), "is required (an integer)");

    public static bool GetBool(this OptionMap m, string key, bool fallback)
    {
        if (!m.TryGet(key, out var v) || v is null) return fallback;
        return v switch
        {
            bool b => b,
            long l when l is 0 or 1 => l == 1,
            string s when s.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
            string s when s.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
            _ => throw new OptionException(m.PathOf(key), $"must be true or false, got {OptionMap.Describe(v)}"),
        };
    }

    /// <summary>A string or a list of strings (BasicSR's MambaIR fork accepts both for dataroot_gt/dataroot_lq).</summary>
    public static IReadOnlyList<string>? GetStringList(this OptionMap m, string key)
    {
        if (!m.TryGet(key, out var v) || v is null) return null;
        return v switch
        {
            string s => [s],
            OptionList list => list.Select((x, i) => x as string ?? (x is long or double ? OptionMap.Describe(x)
                : throw new OptionException($"{m.PathOf(key)}[{i}]", $"must be a string, got {OptionMap.Describe(x)}"))).ToArray(),
            _ => throw new OptionException(m.PathOf(key), $"must be a string or a list of strings, got {OptionMap.Describe(v)}"),
        };
    }

    public static IReadOnlyList<double>? GetDoubleList(this OptionMap m, string key)
    {
        if (!m.TryGet(key, out var v) || v is null) return null;
        if (v is not OptionList list) return [ToDouble(m.PathOf(key), v)];
        return list.Select((x, i) => ToDouble($"{m.PathOf(key)}[{i}]", x)).ToArray();
    }

    public static IReadOnlyList<long>? GetLongList(this OptionMap m, string key)
    {
        if (!m.TryGet(key, out var v) || v is null) return null;
        if (v is not OptionList list) return [ToLong(m.PathOf(key), v)];
        return list.Select((x, i) => ToLong($"{m.PathOf(key)}[{i}]", x)).ToArray();
    }

    public static double ToDouble(string key, object? v) => v switch
    {
        long l => l,
        double d => d,
        string s when OptionOverride.PythonFloat(s) is double d => d,
        _ => throw new OptionException(key, $"must be a number, got {OptionMap.Describe(v)}"),
    };

    public static long ToLong(string key, object? v)
    {
        switch (v)
        {
            case long l: return l;
            case double d when d == Math.Floor(d) && Math.Abs(d) < 9.2e18: return (long)d;
            case string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l): return l;
            case string s when OptionOverride.PythonFloat(s) is double d && d == Math.Floor(d) && Math.Abs(d) < 9.2e18: return (long)d;
            default: throw new OptionException(key, $"must be an integer, got {OptionMap.Describe(v)}");
        }
    }
}
