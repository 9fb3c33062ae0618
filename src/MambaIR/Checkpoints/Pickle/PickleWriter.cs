// Hand-written: emits CPython's exact opcode stream (memo PUT/GET, SETITEMS batches of 1000) so a saved .pth is torch.save's opcode for opcode.
using System.Buffers.Binary;
using System.Text;

namespace MambaIR.Checkpoints.Pickle;

/// <summary>
/// Emits pickle protocol 2 opcode by opcode, memoising like CPython's pickler (a BINPUT after every string,
/// global and container; a BINGET when the same string or global is written again).
/// </summary>
internal sealed class PickleWriter
{
    readonly MemoryStream _out = new();
    readonly Dictionary<string, int> _memo = new(StringComparer.Ordinal);
    int _nextMemo;

    public PickleWriter() { _out.WriteByte(0x80); _out.WriteByte(2); } // PROTO 2

    /// <summary>Writes a bare opcode with no argument (e.g. <c>'b'</c> BUILD, <c>0x81</c> NEWOBJ).</summary>
    public void Opcode(byte op) => _out.WriteByte(op);

    public void Mark() => Opcode((byte)'(');
    public void EmptyDict() { _out.WriteByte((byte)'}'); Put(); }
    public void EmptyTuple() => _out.WriteByte((byte)')');
    public void Bool(bool v) => _out.WriteByte(v ? (byte)0x88 : (byte)0x89);
    public void None() => _out.WriteByte((byte)'N');

    /// <summary>Closes the tuple started by <see cref="Mark"/> (or TUPLE1/2/3 for <paramref name="count"/> 1-3 without a mark).</summary>
    public void Tuple(int count)
    {
        switch (count)
        {
            case 0: EmptyTuple(); return;
            case 1: _out.WriteByte(0x85); break;
            case 2: _out.WriteByte(0x86); break;
            case 3: _out.WriteByte(0x87); break;
            default: _out.WriteByte((byte)'t'); break;
        }
        Put();
    }

    /// <summary>True when a tuple of <paramref name="count"/> items needs a MARK before its items.</summary>
    public static bool TupleNeedsMark(int count) => count > 3;

    public void Int(long v)
    {
        if (v is >= 0 and <= 0xFF) { _out.WriteByte((byte)'K'); _out.WriteByte((byte)v); }
        else if (v is >= 0 and <= 0xFFFF) { _out.WriteByte((byte)'M'); Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); _out.Write(b); }
        else if (v is >= int.MinValue and <= int.MaxValue) { _out.WriteByte((byte)'J'); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, (int)v); _out.Write(b); }
        else
        {
            // LONG1: minimal two's-complement little-endian bytes
            byte[] bytes = new System.Numerics.BigInteger(v).ToByteArray();
            _out.WriteByte(0x8a);
            _out.WriteByte((byte)bytes.Length);
            _out.Write(bytes);
        }
    }

    public void String(string s)
    {
        if (Get(s)) return;
        byte[] b = Encoding.UTF8.GetBytes(s);
        _out.WriteByte((byte)'X');
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)b.Length);
        _out.Write(len);
        _out.Write(b);
        Put("s:" + s);
    }

    public void Global(string module, string name)
    {
        if (Get("g:" + module + "\n" + name, isKey: true)) return;
        _out.WriteByte((byte)'c');
        _out.Write(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
        Put("g:" + module + "\n" + name);
    }

    public void Reduce() { Opcode((byte)'R'); Put(); }
    public void BinPersId() => Opcode((byte)'Q');
    public void SetItem() => Opcode((byte)'s');
    public void SetItems() => Opcode((byte)'u');

    /// <summary>Writes STOP and returns the pickle.</summary>
    public byte[] Finish()
    {
        _out.WriteByte((byte)'.');
        return _out.ToArray();
    }

    bool Get(string s, bool isKey = false)
    {
        if (!_memo.TryGetValue(isKey ? s : "s:" + s, out int i)) return false;
        if (i < 256) { _out.WriteByte((byte)'h'); _out.WriteByte((byte)i); }
        else { _out.WriteByte((byte)'j'); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, i); _out.Write(b); }
        return true;
    }

    void Put(string? key = null)
    {
        int i = _nextMemo++;
        if (key != null) _memo[key] = i;
        if (i < 256) { _out.WriteByte((byte)'q'); _out.WriteByte((byte)i); }
        else { _out.WriteByte((byte)'r'); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, i); _out.Write(b); }
    }
}
