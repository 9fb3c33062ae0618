namespace MambaIR.Checkpoints.Pickle;

// Python values as the unpickler builds them:
//   None -> null, bool -> bool, int -> long (or BigInteger when it does not fit), float -> double,
//   str -> string, bytes/bytearray -> byte[], list -> List<object?>, tuple -> object?[],
//   dict / OrderedDict -> PickleDict, set / frozenset -> PickleSet, a global -> PickleGlobal,
//   an object of a class we do not model -> PickleObject (opaque, keeps its arguments and state).

/// <summary>A reference to a Python global (<c>module.name</c>), as made by GLOBAL / STACK_GLOBAL.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";
    public override string ToString() => FullName;
}

/// <summary>An instance of a class the reader does not model: kept, with its constructor arguments and state, so
/// that the rest of the file (e.g. the tensors beside an optimizer state or an argparse.Namespace) still loads.</summary>
internal sealed class PickleObject
{
    public PickleObject(PickleGlobal type, object?[] args) { Type = type; Args = args; }
    public PickleGlobal Type { get; }
    public object?[] Args { get; }
    public object? State { get; set; }
    public List<object?>? ListItems { get; set; }
    public PickleDict? DictItems { get; set; }
    public override string ToString() => $"<{Type.FullName} object>";
}

/// <summary>A Python dict (also OrderedDict, defaultdict): keeps insertion order.</summary>
internal sealed class PickleDict
{
    readonly List<KeyValuePair<object?, object?>> _items = new();
    readonly Dictionary<object, int> _index = new();

    public int Count => _items.Count;
    public IReadOnlyList<KeyValuePair<object?, object?>> Items => _items;
    /// <summary>Attributes set by BUILD (an OrderedDict's <c>_metadata</c>); not part of the mapping.</summary>
    public object? State { get; set; }

    public void Set(object? key, object? value)
    {
        object k = key ?? NullKey.Instance;
        if (_index.TryGetValue(k, out int i)) _items[i] = new(key, value);
        else { _index[k] = _items.Count; _items.Add(new(key, value)); }
    }

    public bool TryGet(object? key, out object? value)
    {
        if (_index.TryGetValue(key ?? NullKey.Instance, out int i)) { value = _items[i].Value; return true; }
        value = null;
        return false;
    }

    public IEnumerable<string> StringKeys => _items.Select(kv => kv.Key as string ?? PickleFormat.Describe(kv.Key));

    sealed class NullKey { public static readonly NullKey Instance = new(); }
}

/// <summary>A Python set or frozenset.</summary>
internal sealed class PickleSet
{
    public List<object?> Items { get; } = new();
    public bool Frozen { get; init; }
}

/// <summary>Formatting of pickled values for error messages.</summary>
internal static class PickleFormat
{
    public static string Describe(object? v) => v switch
    {
        null => "None",
        string s => $"'{s}'",
        bool b => b ? "True" : "False",
        object?[] t => "(" + string.Join(", ", t.Take(6).Select(Describe)) + (t.Length > 6 ? ", ..." : "") + ")",
        PickleDict d => $"dict with {d.Count} entries",
        List<object?> l => $"list of {l.Count}",
        byte[] b => $"bytes[{b.Length}]",
        _ => v.ToString() ?? v.GetType().Name,
    };

    public static string TypeName(object? v) => v switch
    {
        null => "None",
        string => "str",
        bool => "bool",
        long or System.Numerics.BigInteger => "int",
        double => "float",
        object?[] => "tuple",
        PickleDict => "dict",
        List<object?> => "list",
        byte[] => "bytes",
        PickleObject o => o.Type.FullName,
        PickleGlobal g => g.FullName,
        _ => v.GetType().Name,
    };
}
