using System.Buffers.Binary;
using System.Text;

namespace MambaIR.Data;

/// <summary>
/// Makes an ELF64 little-endian shared object built against glibc ≥ 2.38 loadable on an older glibc when the only
/// reason is the C23 aliases (<c>__isoc23_strtol</c>, <c>__isoc23_sscanf</c>, ...): each undefined dynamic symbol
/// <c>__isoc23_X</c> is redirected to <c>X</c> (its name pointer moves 9 bytes into the same string) at the
/// <c>GLIBC_2.2.5</c> base version, and the then unused <c>GLIBC_2.38</c> need is marked weak. The C23 variants differ
/// from the classic functions only in also parsing <c>0b</c> binary prefixes.
/// </summary>
public static class Glibc23SymbolPatcher
{
    const uint SHT_DYNSYM = 11, SHT_GNU_versym = 0x6fffffff, SHT_GNU_verneed = 0x6ffffffe;
    const string Prefix = "__isoc23_";

    /// <summary>Patches <paramref name="elf"/> in place; returns the names of the symbols redirected.</summary>
    public static IReadOnlyList<string> Patch(byte[] elf)
    {
        var s = elf.AsSpan();
        if (s.Length < 64 || s[0] != 0x7f || s[1] != (byte)'E' || s[2] != (byte)'L' || s[3] != (byte)'F' || s[4] != 2 || s[5] != 1)
            throw new InvalidDataException("not a 64-bit little-endian ELF object");
        long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(s[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3C..]);
        (long Off, long Size, int Link, int Info, long EntSize)? Section(uint type)
        {
            for (int i = 0; i < shnum; i++)
            {
                var sh = elf.AsSpan((int)(shoff + i * shentsize), shentsize);
                if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != type) continue;
                return ((long)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]), (long)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x20..]),
                    (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]), (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2C..]),
                    (long)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x38..]));
            }
            return null;
        }
        long StrTab(int link) => (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan((int)(shoff + link * shentsize) + 0x18));

        var dynsym = Section(SHT_DYNSYM) ?? throw new InvalidDataException("no .dynsym section");
        var versym = Section(SHT_GNU_versym) ?? throw new InvalidDataException("no .gnu.version section");
        var verneed = Section(SHT_GNU_verneed) ?? throw new InvalidDataException("no .gnu.version_r section");
        long dynstr = StrTab(dynsym.Link), verstr = StrTab(verneed.Link);

        // Version indices (vna_other) of GLIBC_2.2.5 and the offsets of GLIBC_2.38's flags.
        ushort baseIndex = 0;
        var c23Flags = new List<int>();
        long vn = verneed.Off;
        for (int n = 0; n < verneed.Info; n++)
        {
            int cnt = BinaryPrimitives.ReadUInt16LittleEndian(s[(int)(vn + 2)..]);
            long va = vn + BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(vn + 8)..]);
            for (int a = 0; a < cnt; a++)
            {
                string name = CString(s, verstr + BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(va + 8)..]));
                if (name == "GLIBC_2.2.5") baseIndex = BinaryPrimitives.ReadUInt16LittleEndian(s[(int)(va + 6)..]);
                if (name == "GLIBC_2.38") c23Flags.Add((int)(va + 4));
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(va + 12)..]);
                if (next == 0) break;
                va += next;
            }
            uint vnext = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(vn + 12)..]);
            if (vnext == 0) break;
            vn += vnext;
        }

        var redirected = new List<string>();
        long count = dynsym.Size / 24;
        for (long i = 0; i < count; i++)
        {
            int sym = (int)(dynsym.Off + i * 24);
            uint nameOff = BinaryPrimitives.ReadUInt32LittleEndian(s[sym..]);
            ushort shndx = BinaryPrimitives.ReadUInt16LittleEndian(s[(sym + 6)..]);
            string name = CString(s, dynstr + nameOff);
            if (shndx != 0 || !name.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            if (baseIndex == 0) throw new InvalidDataException($"{name} needs redirecting but GLIBC_2.2.5 is not among the version needs");
            BinaryPrimitives.WriteUInt32LittleEndian(s[sym..], nameOff + (uint)Prefix.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(s[(int)(versym.Off + i * 2)..], baseIndex);
            redirected.Add(name);
        }
        if (redirected.Count > 0)
            foreach (int f in c23Flags)
                BinaryPrimitives.WriteUInt16LittleEndian(s[f..], (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(s[f..]) | 0x2)); // VER_FLG_WEAK
        return redirected;
    }

    static string CString(ReadOnlySpan<byte> s, long at)
    {
        int end = s[(int)at..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(s.Slice((int)at, end));
    }
}
