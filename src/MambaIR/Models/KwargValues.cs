using System.Globalization;
using System.Text.Json;

namespace MambaIR.Models;

/// <summary>
/// Reading the official constructors' keyword-argument values as they come from a YAML <c>network_g</c> block or a json
/// <c>kwargs</c> object: numbers, strings, booleans and lists (also lists written as strings such as <c>"[6, 6, 6]"</c>).
/// Errors are <see cref="ArgumentException"/>s worded "<c>{family} config: {key} must be …, got '…'</c>".
/// </summary>
internal static class KwargValues
{
    /// <summary>A json value as a plain .NET value (long or double, string, bool, object[] or null).</summary>
    public static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.TryGetInt64(out long l) ? l : e.GetDouble(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToArray(),
        JsonValueKind.Null => null,
        _ => e.GetRawText(),
    };

    public static string? AsString(object? v) => v switch { null => null, string s => s.Trim().Trim('\'', '"'), _ => Convert.ToString(v, CultureInfo.InvariantCulture) };

    public static double AsDouble(string family, string key, object? v)
    {
        try
        {
            return v switch
            {
                string s => double.Parse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture),
                IConvertible c when v is not bool => c.ToDouble(CultureInfo.InvariantCulture),
                _ => throw new FormatException(),
            };
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            throw new ArgumentException($"{family} config: {key} must be a number, got '{v}'");
        }
    }

    public static int AsInt(string family, string key, object? v)
    {
        double d = AsDouble(family, key, v);
        if (d != Math.Floor(d) || d > int.MaxValue || d < int.MinValue) throw new ArgumentException($"{family} config: {key} must be an integer, got '{v}'");
        return (int)d;
    }

    public static bool AsBool(string family, string key, object? v) => v switch
    {
        bool b => b,
        string s when s.Trim().ToLowerInvariant() is "true" or "yes" or "1" => true,
        string s when s.Trim().ToLowerInvariant() is "false" or "no" or "0" => false,
        _ => throw new ArgumentException($"{family} config: {key} must be true or false, got '{v}'"),
    };

    public static IReadOnlyList<int> AsIntList(string family, string key, object? v) => v switch
    {
        string s => s.Trim().TrimStart('[', '(').TrimEnd(']', ')').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(x => AsInt(family, key, x)).ToArray(),
        System.Collections.IEnumerable e => e.Cast<object?>().Select(x => AsInt(family, key, x)).ToArray(),
        _ => throw new ArgumentException($"{family} config: {key} must be a list of integers, got '{v}'"),
    };

    /// <summary>"1.2", "2" — a double as Python prints it in a kwargs listing.</summary>
    public static string Format(double v) => v.ToString(CultureInfo.InvariantCulture);
}
