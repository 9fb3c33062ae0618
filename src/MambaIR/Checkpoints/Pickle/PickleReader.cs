// Hand-written: pickle is CPython's own format; this VM never runs code, keeps unknown classes as inert values (an optimizer or argparse object beside the weights still loads) and names the byte offset of a bad opcode.
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace MambaIR.Checkpoints.Pickle;

/// <summary>A pickle stream could not be decoded. <see cref="Position"/> is the byte offset of the failing opcode.</summary>
internal sealed class PickleException : Exception
{
    public PickleException(string message, long position) : base($"{message} (pickle offset {position})") => Position = position;
    public long Position { get; }
}

/// <summary>
/// A small pickle virtual machine (protocols 0-5) for what <c>torch.save</c> writes. It never runs code: globals become
/// <see cref="PickleGlobal"/> values and calls (REDUCE, NEWOBJ, BUILD) are handed to the overridable hooks, whose
/// default keeps an opaque <see cref="PickleObject"/>. Reads exactly one pickle, leaving the stream just after STOP.
/// </summary>
internal class PickleReader
{
    readonly Stream _s;
    readonly long _start;
    readonly List<object?> _stack = new();
    readonly Stack<int> _marks = new();
    readonly Dictionary<long, object?> _memo = new();
    long _opPos;

    public PickleReader(Stream stream)
    {
        _s = stream;
        _start = stream.CanSeek ? stream.Position : 0;
    }

    /// <summary>Decodes one pickle and returns its value.</summary>
    public object? Load()
    {
        while (true)
        {
            _opPos = _s.CanSeek ? _s.Position - _start : _opPos + 1;
            int op = _s.ReadByte();
            if (op < 0) throw Error("pickle ended before STOP (truncated file?)");
            switch (op)
            {
                case 0x80: ReadByte(); break;                             // PROTO
                case 0x95: ReadBytes(8); break;                           // FRAME (length only; data follows inline)
                case '.': return Pop();                                   // STOP
                case '(': _marks.Push(_stack.Count); break;               // MARK
                case '0': Pop(); break;                                   // POP
                case '1': PopMark(); break;                               // POP_MARK
                case '2': Push(Peek()); break;                            // DUP
                case 'N': Push(null); break;
                case 0x88: Push(true); break;                             // NEWTRUE
                case 0x89: Push(false); break;                            // NEWFALSE
                case 'K': Push((long)ReadByte()); break;                  // BININT1
                case 'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break;
                case 'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break;
                case 0x8a: Push(DecodeLong(ReadBytes(ReadByte()))); break; // LONG1
                case 0x8b: Push(DecodeLong(ReadBytes(ReadLength4()))); break; // LONG4
                case 'I': Push(ParseTextInt(ReadLine())); break;
                case 'L': Push(ParseTextLong(ReadLine())); break;
                case 'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break; // BINFLOAT
                case 'F': Push(double.Parse(ReadLine(), CultureInfo.InvariantCulture)); break;
                case 'X': Push(Encoding.UTF8.GetString(ReadBytes(ReadLength4()))); break;        // BINUNICODE
                case 0x8c: Push(Encoding.UTF8.GetString(ReadBytes(ReadByte()))); break;          // SHORT_BINUNICODE
                case 0x8d: Push(Encoding.UTF8.GetString(ReadBytes(ReadLength8()))); break;       // BINUNICODE8
                case 'V': Push(DecodeRawUnicodeEscape(ReadLine())); break;                       // UNICODE
                case 'B': Push(ReadBytes(ReadLength4())); break;                                 // BINBYTES
                case 'C': Push(ReadBytes(ReadByte())); break;                                    // SHORT_BINBYTES
                case 0x8e: Push(ReadBytes(ReadLength8())); break;                                // BINBYTES8
                case 0x96: Push(ReadBytes(ReadLength8())); break;                                // BYTEARRAY8
                case 'T': Push(Encoding.Latin1.GetString(ReadBytes(ReadLength4()))); break;      // BINSTRING
                case 'U': Push(Encoding.Latin1.GetString(ReadBytes(ReadByte()))); break;         // SHORT_BINSTRING
                case 'S': Push(ParseQuotedString(ReadLine())); break;                            // STRING
                case ')': Push(Array.Empty<object?>()); break;                                   // EMPTY_TUPLE
                case 0x85: Push(new[] { Pop() }); break;                                         // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }       // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; }
                case 't': Push(PopMark().ToArray()); break;                                      // TUPLE
                case ']': Push(new List<object?>()); break;                                      // EMPTY_LIST
                case 'l': Push(PopMark()); break;                                                // LIST
                case '}': Push(new PickleDict()); break;                                         // EMPTY_DICT
                case 'd': { var d = new PickleDict(); var items = PopMark(); for (int i = 0; i + 1 < items.Count; i += 2) d.Set(items[i], items[i + 1]); Push(d); break; }
                case 0x8f: Push(new PickleSet()); break;                                         // EMPTY_SET
                case 0x90: { var items = PopMark(); AddToSet(Peek(), items); break; }            // ADDITEMS
                case 0x91: { var set = new PickleSet { Frozen = true }; set.Items.AddRange(PopMark()); Push(set); break; }
                case 'a': { var v = Pop(); Append(Peek(), new List<object?> { v }); break; }     // APPEND
                case 'e': { var items = PopMark(); Append(Peek(), items); break; }               // APPENDS
                case 's': { var v = Pop(); var k = Pop(); SetItem(Peek(), k, v); break; }        // SETITEM
                case 'u': { var items = PopMark(); var target = Peek(); for (int i = 0; i + 1 < items.Count; i += 2) SetItem(target, items[i], items[i + 1]); break; }
                case 'q': _memo[ReadByte()] = Peek(); break;                                     // BINPUT
                case 'r': _memo[ReadLength4()] = Peek(); break;                                  // LONG_BINPUT
                case 'p': _memo[long.Parse(ReadLine(), CultureInfo.InvariantCulture)] = Peek(); break; // PUT
                case 0x94: _memo[_memo.Count] = Peek(); break;                                   // MEMOIZE
                case 'h': Push(Memo(ReadByte())); break;                                         // BINGET
                case 'j': Push(Memo(ReadLength4())); break;                                      // LONG_BINGET
                case 'g': Push(Memo(long.Parse(ReadLine(), CultureInfo.InvariantCulture))); break; // GET
                case 'c': { string m = ReadLine(), n = ReadLine(); Push(FindClass(m, n)); break; }  // GLOBAL
                case 0x93: { var n = Pop(); var m = Pop(); Push(FindClass(AsString(m, "STACK_GLOBAL module"), AsString(n, "STACK_GLOBAL name"))); break; }
                case 'R': { var args = AsTuple(Pop(), "REDUCE"); var f = Pop(); Push(Reduce(f, args)); break; }
                case 0x81: { var args = AsTuple(Pop(), "NEWOBJ"); var cls = Pop(); Push(NewObject(cls, args)); break; }
                case 0x92: { Pop(); var args = AsTuple(Pop(), "NEWOBJ_EX"); var cls = Pop(); Push(NewObject(cls, args)); break; }
                case 'o': { var items = PopMark(); var cls = items[0]; Push(NewObject(cls, items.Skip(1).ToArray())); break; } // OBJ
                case 'i': { string m = ReadLine(), n = ReadLine(); Push(NewObject(FindClass(m, n), PopMark().ToArray())); break; } // INST
                case 'b': { var state = Pop(); Build(Peek(), state); break; }                    // BUILD
                case 'Q': Push(PersistentLoad(Pop())); break;                                    // BINPERSID
                case 'P': Push(PersistentLoad(ReadLine())); break;                               // PERSID
                case 0x98: break;                                                                // READONLY_BUFFER
                case 0x97: throw Error("out-of-band buffers (NEXT_BUFFER) are not supported");
                case 0x82: case 0x83: case 0x84: throw Error("copyreg extension codes (EXT1/2/4) are not supported");
                default: throw Error($"unknown pickle opcode 0x{op:X2}");
            }
        }
    }

    // ---- hooks ----------------------------------------------------------------------------------------------

    /// <summary>Resolves a global; the default returns a <see cref="PickleGlobal"/> naming it.</summary>
    protected virtual object? FindClass(string module, string name) => new PickleGlobal(module, name);

    /// <summary>REDUCE: calls <paramref name="callable"/> with <paramref name="args"/>. The default models
    /// <c>collections.OrderedDict</c> and friends as dicts and keeps everything else opaque.</summary>
    protected virtual object? Reduce(object? callable, object?[] args)
    {
        if (callable is PickleGlobal g)
        {
            switch (g.FullName)
            {
                case "collections.OrderedDict" or "collections.defaultdict" or "builtins.dict" or "__builtin__.dict":
                    var d = new PickleDict();
                    if (g.Name != "defaultdict" && args.Length == 1 && args[0] is List<object?> pairs)
                        foreach (var p in pairs) if (p is object?[] { Length: 2 } kv) d.Set(kv[0], kv[1]);
                    return d;
                case "builtins.list" or "__builtin__.list": return args.Length == 1 && args[0] is List<object?> l ? new List<object?>(l) : new List<object?>();
                case "builtins.set" or "__builtin__.set" or "builtins.frozenset" or "__builtin__.frozenset":
                    var s = new PickleSet { Frozen = g.Name == "frozenset" };
                    if (args.Length == 1 && args[0] is List<object?> items) s.Items.AddRange(items);
                    return s;
                case "builtins.bytearray" or "__builtin__.bytearray":
                    return args.Length == 0 ? Array.Empty<byte>() : args[0] as byte[] ?? args[0];
                case "_codecs.encode" when args.Length >= 1 && args[0] is string str:
                    return Encoding.Latin1.GetBytes(str);
            }
            return new PickleObject(g, args);
        }
        throw Error($"REDUCE on a non-callable value of type {PickleFormat.TypeName(callable)}");
    }

    /// <summary>NEWOBJ / OBJ / INST: <c>cls.__new__(cls, *args)</c>.</summary>
    protected virtual object? NewObject(object? cls, object?[] args) =>
        cls is PickleGlobal g ? Reduce(g, args) : throw Error($"NEWOBJ on a non-class value of type {PickleFormat.TypeName(cls)}");

    /// <summary>BUILD: sets <paramref name="state"/> on <paramref name="target"/>.</summary>
    protected virtual void Build(object? target, object? state)
    {
        switch (target)
        {
            case PickleObject o: o.State = state; break;
            case PickleDict d: d.State = state; break;
            // other values (e.g. a tensor rebuilt by a hook) ignore their state
        }
    }

    /// <summary>BINPERSID / PERSID: resolves a persistent id. The default refuses.</summary>
    protected virtual object? PersistentLoad(object? pid) => throw Error($"unexpected persistent id {PickleFormat.Describe(pid)}");

    protected PickleException Error(string message) => new(message, _opPos);

    // ---- helpers --------------------------------------------------------------------------------------------

    void Push(object? v) => _stack.Add(v);

    object? Pop()
    {
        if (_stack.Count == 0) throw Error("stack underflow");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    object? Peek() => _stack.Count > 0 ? _stack[^1] : throw Error("stack underflow");

    List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Error("MARK expected");
        int m = _marks.Pop();
        if (m > _stack.Count) throw Error("corrupt MARK");
        var items = _stack.GetRange(m, _stack.Count - m);
        _stack.RemoveRange(m, _stack.Count - m);
        return items;
    }

    object? Memo(long key) => _memo.TryGetValue(key, out var v) ? v : throw Error($"memo key {key} not defined");

    void SetItem(object? target, object? key, object? value)
    {
        switch (target)
        {
            case PickleDict d: d.Set(key, value); break;
            case PickleObject o: (o.DictItems ??= new PickleDict()).Set(key, value); break;
            default: throw Error($"SETITEM on a {PickleFormat.TypeName(target)}");
        }
    }

    void Append(object? target, List<object?> items)
    {
        switch (target)
        {
            case List<object?> l: l.AddRange(items); break;
            case PickleObject o: (o.ListItems ??= new List<object?>()).AddRange(items); break;
            default: throw Error($"APPEND on a {PickleFormat.TypeName(target)}");
        }
    }

    void AddToSet(object? target, List<object?> items)
    {
        if (target is PickleSet s) s.Items.AddRange(items);
        else throw Error($"ADDITEMS on a {PickleFormat.TypeName(target)}");
    }

    string AsString(object? v, string what) => v as string ?? throw Error($"{what} must be a str, got {PickleFormat.TypeName(v)}");
    object?[] AsTuple(object? v, string what) => v as object?[] ?? throw Error($"{what} arguments must be a tuple, got {PickleFormat.TypeName(v)}");

    int ReadByte()
    {
        int b = _s.ReadByte();
        return b >= 0 ? b : throw Error("pickle ended inside an opcode (truncated file?)");
    }

    byte[] ReadBytes(long n)
    {
        if (n < 0 || n > int.MaxValue) throw Error($"invalid length {n}");
        if (_s.CanSeek && n > _s.Length - _s.Position) throw Error($"length {n} runs past the end of the pickle (truncated file?)");
        var buf = new byte[n];
        try { _s.ReadExactly(buf); }
        catch (EndOfStreamException) { throw Error("pickle ended inside an opcode (truncated file?)"); }
        return buf;
    }

    long ReadLength4() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    long ReadLength8()
    {
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8));
        return n <= int.MaxValue ? (long)n : throw Error($"invalid length {n}");
    }

    string ReadLine()
    {
        var sb = new StringBuilder();
        while (true)
        {
            int b = ReadByte();
            if (b == '\n') break;
            sb.Append((char)b);
            if (sb.Length > 1 << 20) throw Error("text line too long");
        }
        if (sb.Length > 0 && sb[^1] == '\r') sb.Length--;
        return sb.ToString();
    }

    static object DecodeLong(byte[] bytes)
    {
        if (bytes.Length == 0) return 0L;
        var big = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return big >= long.MinValue && big <= long.MaxValue ? (long)big : big;
    }

    object ParseTextInt(string s) => s switch
    {
        "00" => false,
        "01" => true,
        _ => ParseTextLong(s),
    };

    object ParseTextLong(string s)
    {
        s = s.TrimEnd('L');
        return BigInteger.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big)
            ? (big >= long.MinValue && big <= long.MaxValue ? (long)big : big)
            : throw Error($"invalid integer literal '{s}'");
    }

    string ParseQuotedString(string s)
    {
        if (s.Length >= 2 && (s[0] == '\'' || s[0] == '"') && s[^1] == s[0]) s = s[1..^1];
        else throw Error("STRING argument is not quoted");
        return System.Text.RegularExpressions.Regex.Unescape(s);
    }

    static string DecodeRawUnicodeEscape(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length && (s[i + 1] == 'u' || s[i + 1] == 'U'))
            {
                int len = s[i + 1] == 'u' ? 4 : 8;
                if (i + 2 + len <= s.Length && int.TryParse(s.AsSpan(i + 2, len), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int cp))
                {
                    sb.Append(char.ConvertFromUtf32(cp));
                    i += 1 + len;
                    continue;
                }
            }
            sb.Append(s[i]);
        }
        return sb.ToString();
    }
}
