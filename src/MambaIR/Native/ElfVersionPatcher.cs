using System.Buffers.Binary;
using System.Text;

namespace MambaIR.Native;

/// <summary>
/// Edits the symbol-version requirements (<c>.gnu.version_r</c>) of an ELF64 little-endian shared object.
/// Used to mark a version need as weak (<c>VER_FLG_WEAK</c>) so that the dynamic loader accepts a
/// system library that lacks it, e.g. <c>GLIBCXX_3.4.32</c> on Debian 12 / Ubuntu 22.04.
/// </summary>
public static class ElfVersionPatcher
{
    const uint SHT_GNU_verneed = 0x6ffffffe;
    const ushort VER_FLG_WEAK = 0x2;

    /// <summary>One version requirement: the library that must provide it, its name and flags.</summary>
    public readonly record struct VersionNeed(string File, string Version, ushort Flags)
    {
        public bool IsWeak => (Flags & VER_FLG_WEAK) != 0;
    }

    /// <summary>Lists every version requirement in the object.</summary>
    public static IReadOnlyList<VersionNeed> ReadNeeds(byte[] elf)
    {
        var list = new List<VersionNeed>();
        Walk(elf, (file, version, flagsOffset) =>
            list.Add(new VersionNeed(file, version, BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(flagsOffset)))));
        return list;
    }

    /// <summary>Sets <c>VER_FLG_WEAK</c> on every requirement named <paramref name="version"/>; returns how many were changed.</summary>
    public static int MarkWeak(byte[] elf, string version)
    {
        int changed = 0;
        Walk(elf, (_, v, flagsOffset) =>
        {
            if (v != version) return;
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(flagsOffset));
            if ((flags & VER_FLG_WEAK) != 0) return;
            BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(flagsOffset), (ushort)(flags | VER_FLG_WEAK));
            changed++;
        });
        return changed;
    }

    static void Walk(byte[] elf, Action<string, string, int> visit)
    {
        var s = elf.AsSpan();
        if (s.Length < 64 || s[0] != 0x7f || s[1] != (byte)'E' || s[2] != (byte)'L' || s[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (s[4] != 2 || s[5] != 1)
            throw new InvalidDataException("only 64-bit little-endian ELF objects are supported");
        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(s[0x28..]);
        ushort shentsize = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3A..]);
        ushort shnum = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3C..]);
        if (shoff == 0 || shentsize < 64 || shoff + (ulong)shentsize * shnum > (ulong)s.Length)
            throw new InvalidDataException("ELF section header table is missing or truncated");

        for (int i = 0; i < shnum; i++)
        {
            var sh = s.Slice((int)shoff + i * shentsize, shentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != SHT_GNU_verneed) continue;
            long offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2C..]); // sh_info = number of Verneed entries
            var strSh = s.Slice((int)shoff + link * shentsize, shentsize);
            long strOff = (long)BinaryPrimitives.ReadUInt64LittleEndian(strSh[0x18..]);

            long vn = offset;
            for (int n = 0; n < count; n++)
            {
                ushort cnt = BinaryPrimitives.ReadUInt16LittleEndian(s[(int)(vn + 2)..]);
                uint fileName = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(vn + 4)..]);
                uint aux = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(vn + 8)..]);
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(vn + 12)..]);
                string file = CString(s, strOff + fileName);
                long va = vn + aux;
                for (int a = 0; a < cnt; a++)
                {
                    uint name = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(va + 8)..]);
                    visit(file, CString(s, strOff + name), (int)(va + 4));
                    uint vnext = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(va + 12)..]);
                    if (vnext == 0) break;
                    va += vnext;
                }
                if (next == 0) break;
                vn += next;
            }
        }
    }

    static string CString(ReadOnlySpan<byte> s, long at)
    {
        int end = s[(int)at..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(s.Slice((int)at, end));
    }
}
