using System.Buffers.Binary;
using System.Text;

namespace MambaIR.Checkpoints;

/// <summary>The on-disk formats <see cref="Checkpoint.Load"/> understands.</summary>
internal enum CheckpointFormat
{
    /// <summary>PyTorch ≥ 1.6 zip archive (data.pkl + data/N).</summary>
    TorchZip,
    /// <summary>PyTorch &lt; 1.6 sequence of pickles followed by raw storages.</summary>
    TorchLegacy,
    /// <summary>Hugging Face safetensors.</summary>
    SafeTensors,
}

/// <summary>Tells the format of a file from its first bytes (never from its extension alone).</summary>
internal static class CheckpointFormatDetector
{
    public static CheckpointFormat Detect(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint file not found: {path}", path);
        Span<byte> head = stackalloc byte[16];
        long length;
        int n;
        using (var f = File.OpenRead(path))
        {
            length = f.Length;
            n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        head = head[..n];
        if (n == 0) throw new CheckpointException(path, "the file is empty");
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2], head[3]) is (3, 4) or (5, 6) or (7, 8))
            return CheckpointFormat.TorchZip;
        if (n >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5)
            return CheckpointFormat.TorchLegacy;
        if (n >= 9 && head[8] == '{' && BinaryPrimitives.ReadUInt64LittleEndian(head) is var h && h >= 2 && h <= (ulong)(length - 8))
            return CheckpointFormat.SafeTensors;
        if (n >= 8 && path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            return CheckpointFormat.SafeTensors; // let the safetensors reader say what is wrong with the header
        throw new CheckpointException(path, "not a PyTorch (.pth) or safetensors checkpoint: " + Describe(path, head, length));
    }

    static string Describe(string path, ReadOnlySpan<byte> head, long length)
    {
        string? kind = head switch
        {
            [0x89, (byte)'P', (byte)'N', (byte)'G', ..] => "it is a PNG image",
            [0xFF, 0xD8, 0xFF, ..] => "it is a JPEG image",
            [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..] => "it is a GIF image",
            [0x1F, 0x8B, ..] => "it is gzip-compressed (decompress it first)",
            [0x89, (byte)'H', (byte)'D', (byte)'F', ..] => "it is an HDF5 file (e.g. a Keras .h5 model)",
            [(byte)'<', ..] => "it is text/HTML (a web page saved instead of the file?)",
            [(byte)'v', (byte)'e', (byte)'r', (byte)'s', (byte)'i', (byte)'o', (byte)'n', (byte)' ', ..] =>
                "it is a Git LFS pointer, not the file itself (run 'git lfs pull')",
            _ => null,
        };
        if (kind is null && IsTar(path, length)) kind = "it is a tar archive (PyTorch < 0.4 tar checkpoints are not supported; re-save with a newer PyTorch)";
        string bytes = Convert.ToHexString(head[..Math.Min(8, head.Length)]);
        return (kind ?? "unrecognised content") + $" (first bytes {bytes}, {length} bytes)";
    }

    static bool IsTar(string path, long length)
    {
        if (length < 512) return false;
        using var f = File.OpenRead(path);
        var block = new byte[512];
        f.ReadExactly(block);
        return Encoding.ASCII.GetString(block, 257, 5) == "ustar";
    }
}
