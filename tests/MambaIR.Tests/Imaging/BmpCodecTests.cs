using System.Buffers.Binary;
using MambaIR.Imaging;

namespace MambaIR.Tests.Imaging;

/// <summary>The managed BMP reader against files laid out by hand from the format description (BITMAPFILEHEADER,
/// BITMAPCOREHEADER / BITMAPINFOHEADER / BITMAPV4HEADER, palettes, bit fields, RLE8), and its strictness.</summary>
public class BmpCodecTests
{
    /// <summary>File header + info header (40 bytes, or 12 for OS/2) + extra (masks, palette) + pixel data.</summary>
    static byte[] Bmp(int w, int h, int bpp, uint compression, byte[] extra, byte[] pixels, int headerSize = 40, uint clrUsed = 0, uint? sizeImage = null)
    {
        int off = 14 + headerSize + extra.Length;
        var b = new byte[off + pixels.Length];
        b[0] = (byte)'B'; b[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(2), b.Length);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(10), off);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(14), headerSize);
        if (headerSize == 12)
        {
            BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(18), (short)w);
            BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(20), (short)h);
            BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(22), 1);
            BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(24), (short)bpp);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(18), w);
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(22), h);
            BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(26), 1);
            BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(28), (short)bpp);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(30), compression);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(34), sizeImage ?? (uint)pixels.Length);
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(38), 3780); // 96 dpi
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(42), 3780);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(46), clrUsed);
        }
        extra.CopyTo(b, 14 + headerSize);
        pixels.CopyTo(b, off);
        return b;
    }

    static byte[] Hwc(RasterImage img) => img.ToBytesHwc();

    [Fact]
    public void TwentyFourBitTopDownWithRowPadding()
    {
        // 3x2, rows of 9 bytes padded to 12; negative height: first row stored is the top one
        byte[] px = [0, 0, 255, 0, 255, 0, 255, 0, 0, 0, 0, 0, /* row 2 */ 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0];
        var img = ImageFile.Decode(Bmp(3, -2, 24, 0, [], px), "t.bmp");
        Assert.Equal((3, 2, 3, 8), (img.Width, img.Height, img.Channels, img.BitDepth));
        Assert.Equal(new byte[] { 255, 0, 0, 0, 255, 0, 0, 0, 255, 3, 2, 1, 6, 5, 4, 9, 8, 7 }, Hwc(img));
        Assert.Null(img.Alpha);
        Assert.Equal(96, img.Metadata.XResolution, 0.02); // 3780 pixels per metre
    }

    [Fact]
    public void PaletteBitDepthsAndOs2Header()
    {
        byte[] pal = [10, 20, 30, 0, 200, 100, 50, 0, 0, 0, 0, 0, 255, 255, 255, 0]; // BGRx: (30,20,10) (50,100,200) (0,0,0) (255,255,255)
        // 8-bit, 2 colours used, bottom-up 2x2: bottom row indices 0 1, top row 1 0
        var p8 = ImageFile.Decode(Bmp(2, 2, 8, 0, pal[..8], [0, 1, 0, 0, 1, 0, 0, 0], clrUsed: 2), "p8.bmp");
        Assert.Equal(new byte[] { 50, 100, 200, 30, 20, 10, 30, 20, 10, 50, 100, 200 }, Hwc(p8));
        // 4-bit: one row of 3 pixels, indices 3 0 1 (high nibble first)
        var p4 = ImageFile.Decode(Bmp(3, 1, 4, 0, pal, [0x30, 0x10, 0, 0], clrUsed: 4), "p4.bmp");
        Assert.Equal(new byte[] { 255, 255, 255, 30, 20, 10, 50, 100, 200 }, Hwc(p4));
        // 1-bit: 10 pixels 1011001110 (most significant bit first)
        var p1 = ImageFile.Decode(Bmp(10, 1, 1, 0, [0, 0, 0, 0, 255, 255, 255, 0], [0b10110011, 0b10000000, 0, 0]), "p1.bmp");
        Assert.Equal("1011001110", string.Concat(Hwc(p1).Where((_, i) => i % 3 == 0).Select(v => v == 255 ? '1' : '0')));
        // OS/2 1.x header, 3-byte palette entries
        var os2 = ImageFile.Decode(Bmp(2, 1, 8, 0, [1, 2, 3, 4, 5, 6], [1, 0, 0, 0], headerSize: 12, sizeImage: 0), "os2.bmp");
        Assert.Equal(new byte[] { 6, 5, 4, 3, 2, 1 }, Hwc(os2));
    }

    [Fact]
    public void BitFieldsAndAlpha()
    {
        // 16-bit 5-6-5: white, pure red, pure green (0x07E0), pure blue
        uint[] m565 = [0xF800, 0x07E0, 0x001F];
        byte[] masks = m565.SelectMany(BitConverter.GetBytes).ToArray();
        byte[] px = [0xFF, 0xFF, 0x00, 0xF8, 0xE0, 0x07, 0x1F, 0x00];
        var b16 = ImageFile.Decode(Bmp(4, 1, 16, 3, masks, px), "565.bmp");
        Assert.Equal(new byte[] { 255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255 }, Hwc(b16));
        // 32-bit BI_RGB: the fourth byte taken as alpha when not 0 everywhere
        var a32 = ImageFile.Decode(Bmp(2, 1, 32, 0, [], [1, 2, 3, 128, 4, 5, 6, 255]), "a.bmp");
        Assert.Equal(new byte[] { 3, 2, 1, 6, 5, 4 }, Hwc(a32));
        Assert.Equal(new byte[] { 128, 255 }, a32.AlphaToBytes());
        var x32 = ImageFile.Decode(Bmp(2, 1, 32, 0, [], [1, 2, 3, 0, 4, 5, 6, 0]), "x.bmp");
        Assert.Null(x32.Alpha);
    }

    [Fact]
    public void Rle8WithRunsAbsoluteRunsDeltaAndEndCodes()
    {
        byte[] pal = [0, 0, 0, 0, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 0]; // black, red, green, blue
        // 4x2 bottom-up. Row 0: 2×red, 2×green; end of line. Row 1: absolute run of 3 pixels [3, 1, 2] (padded to an
        // even length), then a delta of (1, 0) past the last pixel, which stays unwritten; end of bitmap.
        byte[] rle = [2, 1, 2, 2, 0, 0, 0, 3, 3, 1, 2, 0, 0, 2, 1, 0, 0, 1];
        var img = ImageFile.Decode(Bmp(4, 2, 8, 1, pal, rle, clrUsed: 4), "rle.bmp");
        // top row (stored second): blue red green, then the skipped pixel (index 0: black); bottom row: red red green green
        Assert.Equal(new byte[] { 0, 0, 255, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255, 0 }, Hwc(img));
        // without its end-of-bitmap code the data is truncated
        Assert.Contains("RLE data ends", Assert.Throws<InvalidDataException>(() => ImageFile.Decode(Bmp(4, 2, 8, 1, pal, rle[..^2], clrUsed: 4), "cut.bmp")).Message);
    }

    [Fact]
    public void InconsistentOrShortFilesAreErrorsNamingTheFile()
    {
        byte[] px = new byte[12 * 2];
        var good = Bmp(3, 2, 24, 0, [], px);
        Assert.Equal(3, ImageFile.Decode(good, "good.bmp").Width);
        // pixel data cut short
        Assert.StartsWith("short.bmp: truncated or corrupt BMP data (pixel data ends after", Assert.Throws<InvalidDataException>(() => ImageFile.Decode(good[..^5], "short.bmp")).Message);
        // a width smaller than the data declared (as a flipped bit would make it): the header contradicts itself
        var narrow = Bmp(1, 2, 24, 0, [], px, sizeImage: 24);
        Assert.Contains("declares 24 bytes of pixel data", Assert.Throws<InvalidDataException>(() => ImageFile.Decode(narrow, "narrow.bmp")).Message);
        // palette index beyond a 2-colour palette
        var idx = Bmp(2, 1, 8, 0, [0, 0, 0, 0, 9, 9, 9, 0], [0, 5, 0, 0], clrUsed: 2);
        Assert.Contains("palette index 5", Assert.Throws<InvalidDataException>(() => ImageFile.Decode(idx, "idx.bmp")).Message);
        // embedded PNG, unknown header size
        Assert.Contains("embedded PNG", Assert.Throws<InvalidDataException>(() => ImageFile.Decode(Bmp(2, 1, 0, 5, [], [1]), "png.bmp")).Message);
        Assert.Contains("unsupported BMP header (64 bytes", Assert.Throws<InvalidDataException>(() => ImageFile.Decode(Bmp(2, 1, 24, 0, [], new byte[8], headerSize: 64), "os2v2.bmp")).Message);
    }

    [Fact]
    public void WriterOutputFollowsTheLayout()
    {
        var img = new RasterImage(2, 1, 3, [1f, 0f, 0f, 1f, 0f, 0f], [1f, 0.5f]);
        byte[] f = ImageFile.Encode(img, ImageFormat.Bmp).Bytes;
        Assert.Equal(108, BinaryPrimitives.ReadInt32LittleEndian(f.AsSpan(14)));       // BITMAPV4HEADER
        Assert.Equal(32, BinaryPrimitives.ReadInt16LittleEndian(f.AsSpan(28)));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(30)));       // BI_BITFIELDS
        Assert.Equal(0xFF000000u, BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(66))); // alpha mask
        Assert.Equal(new byte[] { 0, 0, 255, 255, 0, 255, 0, 128 }, f[^8..]);          // B G R A
        var opaque = ImageFile.Encode(new RasterImage(1, 1, 1, [0.2f]), ImageFormat.Bmp).Bytes;
        Assert.Equal(40, BinaryPrimitives.ReadInt32LittleEndian(opaque.AsSpan(14)));
        Assert.Equal(new byte[] { 51, 51, 51, 0 }, opaque[^4..]);                       // grey replicated, row padded to 4
    }
}
