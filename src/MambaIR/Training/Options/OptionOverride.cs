using System.Globalization;
using System.Text;

namespace MambaIR.Training.Options;

/// <summary>
/// One BasicSR option override, <c>a:b:c=value</c> (BasicSR's <c>--force_yml</c> entries): the keys are split on
/// <c>:</c> and every mapping on the way must exist (BasicSR writes <c>opt["a"]["b"]["c"] = value</c>, so only the last
/// key may be new). The value is converted by BasicSR's <c>_postprocess_yml_value</c>: <c>~</c>/<c>none</c> → null,
/// <c>true</c>/<c>false</c> (any case) → bool, <c>!!float x</c> → float, all digits → int, digits with one dot → float,
/// <c>[...]</c> → a Python list literal, anything else (including <c>-1</c> and <c>1e-4</c>) → the string itself.
/// </summary>
public sealed record OptionOverride(IReadOnlyList<string> Keys, object? Value, string Text)
{
    /// <summary>Parses <c>a:b=c</c>; throws <see cref="ArgumentException"/> naming the entry when it has no <c>=</c> or no key.</summary>
    public static OptionOverride Parse(string entry)
    {
        int eq = entry.IndexOf('=');
        if (eq < 0) throw new ArgumentException($"option override '{entry}' must look like key:subkey=value");
        string keys = entry[..eq].Trim(), value = entry[(eq + 1)..].Trim();
        var parts = keys.Split(':').Select(k => k.Trim()).ToArray();
        if (parts.Length == 0 || parts.Any(p => p.Length == 0)) throw new ArgumentException($"option override '{entry}' has an empty key");
        return new OptionOverride(parts, PostprocessValue(value), entry);
    }

    /// <summary>The key path as <c>a:b:c</c>.</summary>
    public string KeyPath => string.Join(":", Keys);

    /// <summary>Applies the override to <paramref name="root"/>; throws <see cref="OptionException"/> naming a missing parent key.</summary>
    public void ApplyTo(OptionMap root)
    {
        var map = root;
        for (int i = 0; i < Keys.Count - 1; i++)
        {
            string k = Keys[i];
            if (!map.Contains(k))
                throw new OptionException(map.PathOf(k), $"override '{Text}' needs this key, which the option file does not have (only the last key of an override may be new, as in BasicSR)");
            var child = map.Get(k) as OptionMap
                ?? throw new OptionException(map.PathOf(k), $"override '{Text}' goes below this key, but it is not a mapping");
            map = child;
        }
        map.Set(Keys[^1], Value is OptionList l ? new OptionList(l) : Value);
    }

    /// <summary>BasicSR's <c>_postprocess_yml_value</c>.</summary>
    public static object? PostprocessValue(string value)
    {
        if (value == "~" || value.Equals("none", StringComparison.OrdinalIgnoreCase)) return null;
        if (value.Equals("true", StringComparison.OrdinalIgnoreCase)) return true;
        if (value.Equals("false", StringComparison.OrdinalIgnoreCase)) return false;
        if (value.StartsWith("!!float", StringComparison.Ordinal))
        {
            string num = value.Replace("!!float", "").Trim();
            return PythonFloat(num) ?? throw new ArgumentException($"option override value '{value}': '{num}' is not a float");
        }
        if (value.Length > 0 && value.All(char.IsAsciiDigit))
            return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long l) ? l : throw new ArgumentException($"option override value '{value}' is too large");
        string noDot = ReplaceFirst(value, ".", "");
        if (noDot.Length > 0 && noDot.All(char.IsAsciiDigit) && value.Count(c => c == '.') < 2)
            return double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (value.StartsWith('[')) return new PythonLiteral(value).ParseList();
        return value;
    }

    static string ReplaceFirst(string s, string what, string with)
    {
        int i = s.IndexOf(what, StringComparison.Ordinal);
        return i < 0 ? s : s[..i] + with + s[(i + what.Length)..];
    }

    /// <summary>Python's <c>float(text)</c> for decimal literals; null when it is not one.</summary>
    internal static double? PythonFloat(string text)
    {
        string t = text.Trim().Replace("_", "");
        if (t.Length == 0) return null;
        string low = t.ToLowerInvariant().TrimStart('+', '-');
        int sign = t.StartsWith('-') ? -1 : 1;
        if (low is "inf" or "infinity") return sign * double.PositiveInfinity;
        if (low == "nan") return double.NaN;
        if (!System.Text.RegularExpressions.Regex.IsMatch(low, @"^(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$")) return null;
        return sign * double.Parse(low, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>The subset of Python literals BasicSR's <c>eval</c> of a list override meets: lists/tuples, ints,
    /// floats, quoted strings, True/False/None.</summary>
    sealed class PythonLiteral(string text)
    {
        int _pos;

        public OptionList ParseList()
        {
            var v = ParseValue();
            SkipSpace();
            if (_pos != text.Length) throw Error("unexpected text after the list");
            return v as OptionList ?? throw Error("expected a list");
        }

        object? ParseValue()
        {
            SkipSpace();
            if (_pos >= text.Length) throw Error("unexpected end");
            char c = text[_pos];
            if (c is '[' or '(') return ParseSequence(c == '[' ? ']' : ')');
            if (c is '\'' or '"') return ParseString(c);
            int start = _pos;
            while (_pos < text.Length && text[_pos] is not (',' or ']' or ')') && !char.IsWhiteSpace(text[_pos])) _pos++;
            string token = text[start.._pos];
            switch (token)
            {
                case "True": return true;
                case "False": return false;
                case "None": return null;
            }
            string digits = token.Replace("_", "");
            if (long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
            if (PythonFloat(token) is double d) return d;
            throw Error($"'{token}' is not a Python literal (quote strings)");
        }

        OptionList ParseSequence(char close)
        {
            _pos++;
            var list = new OptionList();
            while (true)
            {
                SkipSpace();
                if (_pos < text.Length && text[_pos] == close) { _pos++; return list; }
                list.Add(ParseValue());
                SkipSpace();
                if (_pos < text.Length && text[_pos] == ',') { _pos++; continue; }
                if (_pos < text.Length && text[_pos] == close) { _pos++; return list; }
                throw Error($"expected ',' or '{close}'");
            }
        }

        string ParseString(char quote)
        {
            _pos++;
            var sb = new StringBuilder();
            while (_pos < text.Length && text[_pos] != quote)
            {
                if (text[_pos] == '\\' && _pos + 1 < text.Length) { _pos++; sb.Append(text[_pos] switch { 'n' => '\n', 't' => '\t', var x => x }); }
                else sb.Append(text[_pos]);
                _pos++;
            }
            if (_pos >= text.Length) throw Error("unterminated string");
            _pos++;
            return sb.ToString();
        }

        void SkipSpace() { while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++; }

        ArgumentException Error(string why) => new($"option override list '{text}': {why} at position {_pos}");
    }
}
