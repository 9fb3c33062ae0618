using System.Buffers.Binary;
using System.Text;

namespace MambaIR.Tests.Checkpoints;

/// <summary>
/// An independent opcode lister for protocol-2 pickles as torch.save writes them (not the library's VM): yields
/// opcode tokens with their arguments, drops memo PUTs and replaces a GET by the token that was memoised.
/// </summary>
static class PickleTokens
{
    /// <summary>The tokens from the first state-dict key (first BINUNICODE after the last EMPTY_DICT/REDUCE that
    /// opens the items) to the end of the items (SETITEMS).</summary>
    public static List<string> Items(byte[] pkl)
    {
        var tokens = Tokens(pkl);
        int first = tokens.FindIndex(t => t.StartsWith("c torch._utils", StringComparison.Ordinal)) - 1; // the key before it
        int last = tokens.LastIndexOf("u");
        return tokens.GetRange(first, last - first + 1);
    }

    public static List<string> Tokens(byte[] p)
    {
        var result = new List<string>();
        var memo = new Dictionary<int, string>();
        int i = 0;
        while (i < p.Length)
        {
            byte op = p[i++];
            string tok;
            switch (op)
            {
                case 0x80: i++; continue;
                case (byte)'q': memo[p[i++]] = result[^1]; continue;
                case (byte)'r': memo[BinaryPrimitives.ReadInt32LittleEndian(p.AsSpan(i))] = result[^1]; i += 4; continue;
                case (byte)'h': tok = memo[p[i++]]; break;
                case (byte)'j': tok = memo[BinaryPrimitives.ReadInt32LittleEndian(p.AsSpan(i))]; i += 4; break;
                case (byte)'X': { int n = BinaryPrimitives.ReadInt32LittleEndian(p.AsSpan(i)); tok = "str " + Encoding.UTF8.GetString(p, i + 4, n); i += 4 + n; break; }
                case (byte)'c':
                {
                    int a = Array.IndexOf(p, (byte)'\n', i), b = Array.IndexOf(p, (byte)'\n', a + 1);
                    tok = "c " + Encoding.ASCII.GetString(p, i, a - i) + "." + Encoding.ASCII.GetString(p, a + 1, b - a - 1);
                    i = b + 1;
                    break;
                }
                case (byte)'K': tok = "int " + p[i++]; break;
                case (byte)'M': tok = "int " + BinaryPrimitives.ReadUInt16LittleEndian(p.AsSpan(i)); i += 2; break;
                case (byte)'J': tok = "int " + BinaryPrimitives.ReadInt32LittleEndian(p.AsSpan(i)); i += 4; break;
                case 0x8a: { int n = p[i]; tok = "long " + Convert.ToHexString(p, i + 1, n); i += 1 + n; break; }
                case (byte)'.': result.Add("."); return result;
                default:
                    if ("()}]tRQsuNe".Contains((char)op) || op is 0x85 or 0x86 or 0x87 or 0x88 or 0x89) { tok = ((char)op).ToString(); break; }
                    throw new InvalidDataException($"opcode 0x{op:X2} at {i - 1} not expected in a torch.save state dict");
            }
            result.Add(tok);
        }
        throw new InvalidDataException("no STOP");
    }
}
