using System.Buffers.Binary;

namespace MambaIR.Imaging;

/// <summary>
/// Windows BMP, read and written here because the libvips build used (NetVips.Native) has no BMP loader or saver.
/// <para>Reads: OS/2 1.x (12-byte) and Windows (40/52/56/108/124-byte) headers; 1/4/8-bit palette, RLE4/RLE8, 16-bit
/// (5-5-5 or bit fields), 24-bit and 32-bit (bit fields with alpha, or BI_RGB whose fourth byte is taken as alpha unless
/// it is 0 everywhere); bottom-up and top-down rows. Strict: a file whose header contradicts itself or whose pixel data
/// is short gives <see cref="InvalidDataException"/> naming the file, never a partial image. Always 8-bit RGB (BMP has
/// no grey mode); alpha only when some pixel is not opaque.</para>
/// <para>Writes: 24-bit BI_RGB (BITMAPINFOHEADER), or with alpha 32-bit BI_BITFIELDS (BITMAPV4HEADER, sRGB); bottom-up;
/// the resolution in pixels per metre. No EXIF or ICC profile.</para>
/// </summary>
internal static class BmpCodec
{
    const int FileHeader = 14;
    const long MaxPixels = 1L << 28;

    /// <summary>Width and height (positive) from the header.</summary>
    public static (int Width, int Height) ReadSize(ReadOnlySpan<byte> d, string name)
    {
        var h = ParseHeader(d, name);
        return (h.Width, h.Height);
    }

    public static RasterImage Decode(ReadOnlySpan<byte> d, string name)
    {
        var h = ParseHeader(d, name);
        int w = h.Width, ht = h.Height;
        int plane = w * ht;
        var rgba = new byte[plane * 4];
        if (h.Compression is 1 or 2) DecodeRle(d, h, rgba, name);
        else DecodeUncompressed(d, h, rgba, name);

        bool anyAlpha = false, translucent = false;
        if (h.AlphaFromData)
        {
            for (int i = 0; i < plane; i++)
            {
                byte a = rgba[4 * i + 3];
                anyAlpha |= a != 0;
                translucent |= a != 255;
            }
        }
        bool keepAlpha = anyAlpha && translucent; // all-zero alpha: writers that leave the byte unused
        var px = new float[plane * 3];
        float[]? alpha = keepAlpha ? new float[plane] : null;
        for (int i = 0; i < plane; i++)
        {
            px[i] = rgba[4 * i] / 255f;
            px[plane + i] = rgba[4 * i + 1] / 255f;
            px[2 * plane + i] = rgba[4 * i + 2] / 255f;
            if (alpha != null) alpha[i] = rgba[4 * i + 3] / 255f;
        }
        var meta = new ImageMetadata
        {
            SourceFormat = ImageFormat.Bmp,
            XResolution = h.XPelsPerMeter > 0 ? h.XPelsPerMeter * 0.0254 : 72,
            YResolution = h.YPelsPerMeter > 0 ? h.YPelsPerMeter * 0.0254 : 72,
        };
        return new RasterImage(w, ht, 3, px, alpha, 8) { Metadata = meta };
    }

    sealed record Header(int Width, int Height, bool TopDown, int Bpp, uint Compression, long DataOffset, long DataSize,
                         uint[] Masks, bool AlphaFromData, byte[][] Palette, int XPelsPerMeter, int YPelsPerMeter);

    static InvalidDataException Corrupt(string name, string what) => new($"{name}: truncated or corrupt BMP data ({what})");

    static Header ParseHeader(ReadOnlySpan<byte> d, string name)
    {
        if (d.Length < FileHeader + 4 || d[0] != 'B' || d[1] != 'M') throw Corrupt(name, "file header cut short or missing");
        long offBits = BinaryPrimitives.ReadUInt32LittleEndian(d[10..]);
        int hsz = BinaryPrimitives.ReadInt32LittleEndian(d[14..]);
        if (hsz is not (12 or 40 or 52 or 56 or 108 or 124))
            throw new InvalidDataException($"{name}: unsupported BMP header ({hsz} bytes; supported: OS/2 1.x and Windows BITMAPINFOHEADER to BITMAPV5HEADER)");
        if (d.Length < FileHeader + hsz) throw Corrupt(name, $"header cut short: {d.Length} bytes");
        var b = d[FileHeader..];
        int w, h, planes, bpp, clrUsed = 0, xppm = 0, yppm = 0;
        uint comp = 0, sizeImage = 0;
        if (hsz == 12)
        {
            w = BinaryPrimitives.ReadUInt16LittleEndian(b[4..]);
            h = BinaryPrimitives.ReadInt16LittleEndian(b[6..]);
            planes = BinaryPrimitives.ReadUInt16LittleEndian(b[8..]);
            bpp = BinaryPrimitives.ReadUInt16LittleEndian(b[10..]);
        }
        else
        {
            w = BinaryPrimitives.ReadInt32LittleEndian(b[4..]);
            h = BinaryPrimitives.ReadInt32LittleEndian(b[8..]);
            planes = BinaryPrimitives.ReadUInt16LittleEndian(b[12..]);
            bpp = BinaryPrimitives.ReadUInt16LittleEndian(b[14..]);
            comp = BinaryPrimitives.ReadUInt32LittleEndian(b[16..]);
            sizeImage = BinaryPrimitives.ReadUInt32LittleEndian(b[20..]);
            xppm = BinaryPrimitives.ReadInt32LittleEndian(b[24..]);
            yppm = BinaryPrimitives.ReadInt32LittleEndian(b[28..]);
            long used = BinaryPrimitives.ReadUInt32LittleEndian(b[32..]);
            if (used > 256) throw Corrupt(name, $"palette of {used} colours");
            clrUsed = (int)used;
        }
        bool topDown = h < 0;
        if (w <= 0 || h == 0 || h == int.MinValue) throw Corrupt(name, $"invalid size {w}x{h}");
        h = Math.Abs(h);
        if ((long)w * h > MaxPixels) throw Corrupt(name, $"size {w}x{h} is beyond {MaxPixels} pixels");
        if (planes != 1) throw Corrupt(name, $"{planes} planes");
        if (comp is 4 or 5) throw new InvalidDataException($"{name}: BMP with embedded {(comp == 4 ? "JPEG" : "PNG")} data is not supported");
        bool valid = comp switch
        {
            0 => bpp is 1 or 4 or 8 or 16 or 24 or 32,
            1 => bpp == 8,
            2 => bpp == 4,
            3 or 6 => bpp is 16 or 32,
            _ => false,
        };
        if (!valid) throw Corrupt(name, $"compression {comp} with {bpp} bits per pixel");
        if (topDown && comp is 1 or 2) throw Corrupt(name, "top-down RLE image");

        // bit masks: in the header from 52 bytes on, else (BITMAPINFOHEADER + BI_BITFIELDS) right after it
        uint[] masks = [0, 0, 0, 0];
        bool alphaFromData = false;
        long afterHeader = FileHeader + hsz;
        long headersEnd;
        if (comp is 3 or 6)
        {
            int n = comp == 6 ? 4 : 3;
            ReadOnlySpan<byte> m;
            if (hsz >= 52) { m = b[40..]; n = hsz >= 56 ? 4 : 3; }
            else
            {
                if (d.Length < afterHeader + 4 * n) throw Corrupt(name, "bit masks cut short");
                m = d[(int)afterHeader..];
                afterHeader += 4 * n;
            }
            for (int i = 0; i < n; i++) masks[i] = BinaryPrimitives.ReadUInt32LittleEndian(m[(4 * i)..]);
            for (int i = 0; i < 3; i++)
                if (masks[i] == 0 || !Contiguous(masks[i])) throw Corrupt(name, $"invalid colour bit mask 0x{masks[i]:X8}");
            if (masks[3] != 0 && !Contiguous(masks[3])) throw Corrupt(name, $"invalid alpha bit mask 0x{masks[3]:X8}");
            if (bpp == 16 && (masks.Max() > 0xFFFF)) throw Corrupt(name, "bit mask wider than 16 bits");
            alphaFromData = masks[3] != 0;
        }
        else if (bpp == 16) masks = [0x7C00, 0x03E0, 0x001F, 0];
        else if (bpp == 32) { masks = [0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000]; alphaFromData = true; }
        else if (bpp == 24) masks = [0x00FF0000, 0x0000FF00, 0x000000FF, 0];

        headersEnd = afterHeader;
        byte[][] palette = [];
        if (bpp <= 8)
        {
            int es = hsz == 12 ? 3 : 4;
            // no count given: 2^bpp entries, or fewer when the pixel data starts before they would end
            int count = clrUsed != 0 ? clrUsed
                : offBits > afterHeader ? (int)Math.Clamp((offBits - afterHeader) / es, 1, 1 << bpp) : 1 << bpp;
            if (count > 1 << bpp) throw Corrupt(name, $"{count} palette entries for {bpp}-bit pixels");
            if (d.Length < afterHeader + (long)count * es) throw Corrupt(name, "palette cut short");
            palette = new byte[count][];
            for (int i = 0; i < count; i++)
            {
                int o = (int)afterHeader + i * es;
                palette[i] = [d[o + 2], d[o + 1], d[o]]; // stored B G R
            }
            afterHeader += (long)count * es;
        }
        if (offBits < headersEnd || offBits > d.Length)
            throw Corrupt(name, $"pixel data offset {offBits} outside the file ({d.Length} bytes)");

        long stride = ((long)w * bpp + 31) / 32 * 4;
        long dataSize;
        if (comp is 1 or 2) dataSize = sizeImage != 0 ? Math.Min(sizeImage, d.Length - offBits) : d.Length - offBits;
        else
        {
            long need = stride * h;
            if (offBits + need > d.Length)
                throw Corrupt(name, $"pixel data ends after {d.Length - offBits} of {need} bytes");
            if (sizeImage != 0 && sizeImage > need && sizeImage - need >= stride)
                throw Corrupt(name, $"the header declares {sizeImage} bytes of pixel data but {w}x{h} at {bpp} bits needs {need}");
            dataSize = need;
        }
        return new Header(w, h, topDown, bpp, comp, offBits, dataSize, masks, alphaFromData, palette, xppm, yppm);
    }

    static bool Contiguous(uint m)
    {
        if (m == 0) return false;
        uint shifted = m >> System.Numerics.BitOperations.TrailingZeroCount(m);
        return (shifted & (shifted + 1)) == 0;
    }

    static void DecodeUncompressed(ReadOnlySpan<byte> d, Header h, byte[] rgba, string name)
    {
        int w = h.Width, stride = (int)(((long)w * h.Bpp + 31) / 32 * 4);
        var shifts = new int[4];
        var maxv = new uint[4];
        for (int c = 0; c < 4; c++)
            if (h.Masks[c] != 0)
            {
                shifts[c] = System.Numerics.BitOperations.TrailingZeroCount(h.Masks[c]);
                maxv[c] = h.Masks[c] >> shifts[c];
            }
        for (int row = 0; row < h.Height; row++)
        {
            int y = h.TopDown ? row : h.Height - 1 - row;
            var line = d.Slice((int)(h.DataOffset + (long)row * stride), stride);
            int o = y * w * 4;
            for (int x = 0; x < w; x++, o += 4)
            {
                if (h.Bpp <= 8)
                {
                    int idx = h.Bpp switch
                    {
                        8 => line[x],
                        4 => (line[x >> 1] >> (x % 2 == 0 ? 4 : 0)) & 0xF,
                        _ => (line[x >> 3] >> (7 - (x & 7))) & 1,
                    };
                    if (idx >= h.Palette.Length) throw Corrupt(name, $"palette index {idx} beyond the {h.Palette.Length}-colour palette");
                    var p = h.Palette[idx];
                    rgba[o] = p[0]; rgba[o + 1] = p[1]; rgba[o + 2] = p[2]; rgba[o + 3] = 255;
                    continue;
                }
                uint v = h.Bpp switch
                {
                    16 => BinaryPrimitives.ReadUInt16LittleEndian(line[(2 * x)..]),
                    24 => (uint)(line[3 * x] | line[3 * x + 1] << 8 | line[3 * x + 2] << 16),
                    _ => BinaryPrimitives.ReadUInt32LittleEndian(line[(4 * x)..]),
                };
                for (int c = 0; c < 3; c++) rgba[o + c] = Scale((v & h.Masks[c]) >> shifts[c], maxv[c]);
                rgba[o + 3] = h.Masks[3] != 0 ? Scale((v & h.Masks[3]) >> shifts[3], maxv[3]) : (byte)255;
            }
        }
    }

    static byte Scale(uint v, uint max) => max == 255 ? (byte)v : (byte)((v * 255 + max / 2) / max);

    static void DecodeRle(ReadOnlySpan<byte> d, Header h, byte[] rgba, string name)
    {
        int w = h.Width, ht = h.Height;
        var idx = new byte[w * ht]; // unwritten pixels (skipped by a delta) take palette entry 0
        var s = d.Slice((int)h.DataOffset, (int)h.DataSize);
        int p = 0, x = 0, y = 0;
        bool four = h.Compression == 2;
        void Put(int v)
        {
            if (x >= w || y >= ht) throw Corrupt(name, $"RLE run beyond the {w}x{ht} image at ({x}, {y})");
            idx[(ht - 1 - y) * w + x++] = (byte)v;
        }
        while (true)
        {
            if (p + 2 > s.Length) throw Corrupt(name, "RLE data ends before its end-of-bitmap code");
            int n = s[p], v = s[p + 1];
            p += 2;
            if (n > 0)
            {
                for (int i = 0; i < n; i++) Put(four ? (i % 2 == 0 ? v >> 4 : v & 0xF) : v);
                continue;
            }
            if (v == 0) { x = 0; y++; continue; }        // end of line
            if (v == 1) break;                           // end of bitmap
            if (v == 2)                                  // delta
            {
                if (p + 2 > s.Length) throw Corrupt(name, "RLE delta cut short");
                x += s[p]; y += s[p + 1];
                p += 2;
                if (y > ht || (y == ht && x > 0) || x > w) throw Corrupt(name, "RLE delta moves outside the image");
                continue;
            }
            int bytes = four ? (v + 1) / 2 : v;          // absolute run, padded to 16 bits
            if (p + bytes > s.Length) throw Corrupt(name, "RLE absolute run cut short");
            for (int i = 0; i < v; i++) Put(four ? (i % 2 == 0 ? s[p + i / 2] >> 4 : s[p + i / 2] & 0xF) : s[p + i]);
            p += (bytes + 1) & ~1;
        }
        for (int i = 0; i < idx.Length; i++)
        {
            if (idx[i] >= h.Palette.Length) throw Corrupt(name, $"palette index {idx[i]} beyond the {h.Palette.Length}-colour palette");
            var c = h.Palette[idx[i]];
            rgba[4 * i] = c[0]; rgba[4 * i + 1] = c[1]; rgba[4 * i + 2] = c[2]; rgba[4 * i + 3] = 255;
        }
    }

    /// <summary>24-bit (no alpha) or 32-bit BI_BITFIELDS with alpha; grey is replicated; 16-bit samples are rounded to 8 bits.</summary>
    public static byte[] Encode(RasterImage img, double xDpi, double yDpi)
    {
        int w = img.Width, h = img.Height, plane = img.PlaneSize;
        bool alpha = img.Alpha != null;
        int bpp = alpha ? 32 : 24, hsz = alpha ? 108 : 40;
        long stride = ((long)w * bpp + 31) / 32 * 4;
        long size = FileHeader + hsz + stride * h;
        if (size > int.MaxValue) throw new NotSupportedException($"a {w}x{h} BMP would exceed 2 GiB");
        var buf = new byte[size];
        var s = buf.AsSpan();
        s[0] = (byte)'B'; s[1] = (byte)'M';
        BinaryPrimitives.WriteUInt32LittleEndian(s[2..], (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(s[10..], (uint)(FileHeader + hsz));
        var b = s[FileHeader..];
        BinaryPrimitives.WriteInt32LittleEndian(b, hsz);
        BinaryPrimitives.WriteInt32LittleEndian(b[4..], w);
        BinaryPrimitives.WriteInt32LittleEndian(b[8..], h);
        BinaryPrimitives.WriteUInt16LittleEndian(b[12..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(b[14..], (ushort)bpp);
        BinaryPrimitives.WriteUInt32LittleEndian(b[16..], alpha ? 3u : 0u);
        BinaryPrimitives.WriteUInt32LittleEndian(b[20..], (uint)(stride * h));
        BinaryPrimitives.WriteInt32LittleEndian(b[24..], (int)Math.Round(xDpi / 0.0254));
        BinaryPrimitives.WriteInt32LittleEndian(b[28..], (int)Math.Round(yDpi / 0.0254));
        if (alpha)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b[40..], 0x00FF0000);
            BinaryPrimitives.WriteUInt32LittleEndian(b[44..], 0x0000FF00);
            BinaryPrimitives.WriteUInt32LittleEndian(b[48..], 0x000000FF);
            BinaryPrimitives.WriteUInt32LittleEndian(b[52..], 0xFF000000);
            BinaryPrimitives.WriteUInt32LittleEndian(b[56..], 0x73524742); // LCS_sRGB
        }
        var px = img.Pixels;
        int g = img.Channels == 3 ? plane : 0, bl = img.Channels == 3 ? 2 * plane : 0;
        int ps = bpp / 8;
        for (int y = 0; y < h; y++)
        {
            var line = s.Slice((int)(FileHeader + hsz + (long)(h - 1 - y) * stride), (int)stride);
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x, o = x * ps;
                line[o] = RasterImage.Quantize8(px[bl + i]);
                line[o + 1] = RasterImage.Quantize8(px[g + i]);
                line[o + 2] = RasterImage.Quantize8(px[i]);
                if (alpha) line[o + 3] = RasterImage.Quantize8(img.Alpha![i]);
            }
        }
        return buf;
    }
}
