using System.Collections;
using System.Globalization;

namespace MambaIR.Training.Options;

/// <summary>
/// One mapping of a BasicSR option file: ordered keys, values as PyYAML builds them (<c>null</c>, <see cref="bool"/>,
/// <see cref="long"/>, <see cref="double"/>, <see cref="string"/>, <see cref="OptionList"/> or a nested
/// <see cref="OptionMap"/>). It remembers which keys were read, so the keys nothing read can be listed
/// (<see cref="UnreadKeys"/>). <see cref="Path"/> names the mapping as BasicSR's override syntax does
/// (<c>datasets:train</c>), and every message about a key uses that form (<c>datasets:train:gt_size</c>).
/// </summary>
public sealed class OptionMap : IEnumerable<KeyValuePair<string, object?>>
{
    readonly List<string> _order = [];
    readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);
    readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>Creates an empty mapping at <paramref name="path"/> (empty for the root).</summary>
    public OptionMap(string path = "") => Path = path;

    /// <summary>Where this mapping is, as <c>a:b:c</c> (empty for the root).</summary>
    public string Path { get; }

    /// <summary>The keys in file order.</summary>
    public IReadOnlyList<string> Keys => _order;

    /// <summary>Number of keys.</summary>
    public int Count => _order.Count;

    /// <summary>The full path of <paramref name="key"/> in this mapping.</summary>
    public string PathOf(string key) => Path.Length == 0 ? key : Path + ":" + key;

    /// <summary>True when the key is present (its value may be null). Does not count as reading it.</summary>
    public bool Contains(string key) => _values.ContainsKey(key);

    /// <summary>The value of <paramref name="key"/>, marking it read; false when absent.</summary>
    public bool TryGet(string key, out object? value)
    {
        if (!_values.TryGetValue(key, out value)) return false;
        _read.Add(key);
        return true;
    }

    /// <summary>The value, or null when absent (marks it read).</summary>
    public object? Get(string key) => TryGet(key, out var v) ? v : null;

    /// <summary>The nested mapping at <paramref name="key"/>, or null when absent or null; an error naming the key when it is another value.</summary>
    public OptionMap? Map(string key)
    {
        if (!TryGet(key, out var v) || v is null) return null;
        return v as OptionMap ?? throw new OptionException(PathOf(key), $"must be a mapping of keys, got {Describe(v)}");
    }

    /// <summary>Marks a key as read without using it (a key that is consumed by being recognised, e.g. a comment-like name).</summary>
    public void MarkRead(string key) { if (_values.ContainsKey(key)) _read.Add(key); }

    /// <summary>Sets (or adds at the end) a key.</summary>
    public void Set(string key, object? value)
    {
        if (!_values.ContainsKey(key)) _order.Add(key);
        _values[key] = value;
    }

    /// <summary>Removes a key; returns whether it was there.</summary>
    public bool Remove(string key)
    {
        if (!_values.Remove(key)) return false;
        _order.Remove(key);
        _read.Remove(key);
        return true;
    }

    /// <summary>Full paths of the keys that were never read, depth first in file order. A mapping that was read
    /// counts as read only for itself: its unread keys are listed.</summary>
    public IEnumerable<string> UnreadKeys()
    {
        foreach (var k in _order)
        {
            var v = _values[k];
            if (!_read.Contains(k)) { yield return PathOf(k); continue; }
            if (v is OptionMap m) foreach (var u in m.UnreadKeys()) yield return u;
        }
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() =>
        _order.Select(k => new KeyValuePair<string, object?>(k, _values[k])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>A value as Python would print it in a message: <c>None</c>, <c>True</c>, <c>5000.0</c>, <c>'text'</c>, <c>[1, 2]</c>.</summary>
    public static string Describe(object? v) => v switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatDouble(d),
        string s => $"'{s}'",
        OptionList list => "[" + string.Join(", ", list.Select(Describe)) + "]",
        OptionMap => "a mapping",
        _ => v.ToString() ?? "",
    };

    /// <summary>Python's <c>repr(float)</c>: shortest round-trip digits, always with a dot or exponent.</summary>
    public static string FormatDouble(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        string r = d.ToString("R", CultureInfo.InvariantCulture);
        if (r.Contains('E'))
        {
            // .NET "1E-05" → Python "1e-05"
            var parts = r.Split('E');
            string exp = parts[1];
            string sign = exp.StartsWith('-') ? "-" : "+";
            string digits = exp.TrimStart('+', '-').PadLeft(2, '0');
            return parts[0] + "e" + sign + digits;
        }
        double abs = Math.Abs(d);
        if (abs != 0 && (abs >= 1e16 || abs < 1e-4))
        {
            string e = d.ToString("0.################e+00", CultureInfo.InvariantCulture);
            return e;
        }
        return r.Contains('.') ? r : r + ".0";
    }
}

/// <summary>A sequence value of an option file.</summary>
public sealed class OptionList : List<object?>
{
    public OptionList() { }
    public OptionList(IEnumerable<object?> items) : base(items) { }
}

/// <summary>An option that is missing, has the wrong type or a value that cannot be used; the message starts with the key.</summary>
public sealed class OptionException : ArgumentException
{
    public OptionException(string key, string message) : base($"{key}: {message}") { Key = key; }

    /// <summary>The key concerned, as <c>a:b:c</c>.</summary>
    public string Key { get; }
}
