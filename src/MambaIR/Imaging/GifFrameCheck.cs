namespace MambaIR.Imaging;

/// <summary>
/// Checks the first frame of a GIF before libvips decodes it, because libvips' GIF loader (libnsgif) fills a frame whose
/// LZW data ends early with the background colour and reports success, and grows the canvas to a frame that does not
/// fit it (found by DecoderFuzzTests: a bit flip in the frame width decoded as a 608×64 image made of one 96×64 frame's
/// data). Walks the block structure (GIF89a spec: header, logical screen, colour tables, extensions, image descriptor,
/// sub-blocks) and counts the pixels the LZW codes produce, without building the image. A frame outside the logical
/// screen or with fewer pixels than its size is an <see cref="InvalidDataException"/> naming the file.
/// </summary>
internal static class GifFrameCheck
{
    public static void Check(ReadOnlySpan<byte> d, string name)
    {
        InvalidDataException Corrupt(string what) => new($"{name}: truncated or corrupt GIF data ({what})");
        if (d.Length < 13) throw Corrupt("header cut short");
        int screenW = d[6] | d[7] << 8, screenH = d[8] | d[9] << 8;
        int p = 13;
        if ((d[10] & 0x80) != 0) p += 3 << ((d[10] & 7) + 1);
        while (true)
        {
            if (p >= d.Length) throw Corrupt("ends before the first image");
            byte block = d[p++];
            if (block == 0x21)
            {
                if (p >= d.Length) throw Corrupt("extension cut short");
                p++; // label
                p = SkipSubBlocks(d, p) ?? throw Corrupt("extension cut short");
                continue;
            }
            if (block == 0x3B) throw Corrupt("no image before the trailer");
            if (block != 0x2C) throw Corrupt($"unknown block 0x{block:X2} at byte {p - 1}");
            if (p + 9 > d.Length) throw Corrupt("image descriptor cut short");
            int left = d[p] | d[p + 1] << 8, top = d[p + 2] | d[p + 3] << 8, w = d[p + 4] | d[p + 5] << 8, h = d[p + 6] | d[p + 7] << 8;
            byte packed = d[p + 8];
            p += 9;
            if (w == 0 || h == 0) throw Corrupt($"empty {w}x{h} frame");
            if (left + w > screenW || top + h > screenH)
                throw Corrupt($"the {w}x{h} frame at ({left}, {top}) lies outside the {screenW}x{screenH} logical screen");
            if ((packed & 0x80) != 0) p += 3 << ((packed & 7) + 1);
            if (p >= d.Length) throw Corrupt("image data cut short");
            int minCode = d[p++];
            if (minCode is < 2 or > 8) throw Corrupt($"LZW minimum code size {minCode}");
            long pixels = CountLzwPixels(d, p, minCode, out string? problem);
            if (problem != null) throw Corrupt(problem);
            if (pixels < (long)w * h) throw Corrupt($"the LZW data of the {w}x{h} frame ends after {pixels} of {(long)w * h} pixels");
            return;
        }
    }

    static int? SkipSubBlocks(ReadOnlySpan<byte> d, int p)
    {
        while (true)
        {
            if (p >= d.Length) return null;
            int n = d[p++];
            if (n == 0) return p;
            p += n;
        }
    }

    /// <summary>Pixels produced by the LZW stream in the sub-blocks from <paramref name="p"/>, up to its end code.</summary>
    static long CountLzwPixels(ReadOnlySpan<byte> d, int p, int minCode, out string? problem)
    {
        problem = null;
        int clear = 1 << minCode, end = clear + 1;
        var length = new int[4096];
        for (int i = 0; i < clear; i++) length[i] = 1;
        int width = minCode + 1, next = end + 1, prev = -1;
        long pixels = 0;
        uint bits = 0;
        int nbits = 0;
        int blockLeft = 0;
        while (true)
        {
            while (nbits < width)
            {
                if (blockLeft == 0)
                {
                    if (p >= d.Length) return pixels;           // data cut short: the caller compares the count
                    blockLeft = d[p++];
                    if (blockLeft == 0) return pixels;          // block terminator before the end code
                }
                if (p >= d.Length) return pixels;
                bits |= (uint)d[p++] << nbits;
                nbits += 8;
                blockLeft--;
            }
            int code = (int)(bits & ((1u << width) - 1));
            bits >>= width;
            nbits -= width;
            if (code == clear) { width = minCode + 1; next = end + 1; prev = -1; continue; }
            if (code == end) return pixels;
            int len;
            if (code < next && code != end && (code < clear || code > end)) len = length[code];
            else if (code == next && prev >= 0) len = length[prev] + 1;  // the KwKwK case
            else { problem = $"invalid LZW code {code} (next free {next})"; return pixels; }
            if (prev >= 0 && next < 4096)
            {
                length[next] = length[prev] + 1;
                next++;
                if (next == 1 << width && width < 12) width++;
            }
            pixels += len;
            prev = code;
        }
    }
}
