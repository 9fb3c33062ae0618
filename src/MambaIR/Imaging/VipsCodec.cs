using NetVips;
using VImage = NetVips.Image;

namespace MambaIR.Imaging;

/// <summary>
/// Decoding and encoding through libvips (NuGet NetVips + NetVips.Native: libpng, libjpeg-turbo, libtiff, libwebp,
/// libheif/aom, libnsgif). Decoding is strict: libvips' <c>fail_on = warning</c> turns every decoder warning
/// (truncated data, bad CRC, corrupt entropy data) into an error, and the whole image is decoded before it is
/// returned, so a damaged file is an <see cref="InvalidDataException"/> naming it, never a partial image.
/// The operation cache is off (every file is decoded afresh) and libvips' own warning log is silenced: problems
/// surface as exceptions.
/// </summary>
internal static class VipsCodec
{
    static readonly object Gate = new();
    static bool _ready;

    /// <summary>Loads libvips once and configures it; a missing native library is a <see cref="DllNotFoundException"/> saying which.</summary>
    public static void EnsureInitialized()
    {
        if (Volatile.Read(ref _ready)) return;
        lock (Gate)
        {
            if (_ready) return;
            try
            {
                Cache.Max = 0;
                Cache.MaxFiles = 0;
                Cache.MaxMem = 0;
                _ = Log.SetLogHandler("VIPS", Enums.LogLevelFlags.Warning | Enums.LogLevelFlags.Message | Enums.LogLevelFlags.Info | Enums.LogLevelFlags.Debug, (_, _, _) => { });
            }
            catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException)
            {
                throw new DllNotFoundException("libvips could not be loaded (it comes with the NuGet package NetVips.Native.linux-x64): " + (e.InnerException ?? e).Message, e);
            }
            Volatile.Write(ref _ready, true);
        }
    }

    /// <summary>libvips' error text on one line, without its generic "unable to call ..." frames.</summary>
    public static string Describe(VipsException e)
    {
        var lines = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var useful = lines.Where(l => !l.StartsWith("unable to call", StringComparison.Ordinal) && !l.StartsWith("unable to write to memory", StringComparison.Ordinal)
                                      && !l.StartsWith("unable to load from buffer", StringComparison.Ordinal)).Distinct().ToArray();
        return string.Join("; ", useful.Length > 0 ? useful : lines);
    }

    static InvalidDataException Corrupt(string name, ImageFormat format, VipsException e) =>
        new($"{name}: truncated or corrupt {ImageFormats.Name(format)} data (libvips: {Describe(e)})", e);

    /// <summary>Width and height from the header (after the EXIF orientation when <paramref name="applyOrientation"/>).</summary>
    public static (int Width, int Height) ReadSize(string path, string name, ImageFormat format, bool applyOrientation)
    {
        EnsureInitialized();
        try
        {
            using var source = Source.NewFromFile(path);
            using var im = VImage.NewFromSource(source, access: Enums.Access.Sequential, failOn: Enums.FailOn.Warning);
            int o = Orientation(im);
            return applyOrientation && o >= 5 ? (im.Height, im.Width) : (im.Width, im.Height);
        }
        catch (VipsException e) { throw Corrupt(name, format, e); }
    }

    static int Orientation(VImage im) =>
        im.Contains("orientation") && im.Get("orientation") is int o && o is >= 1 and <= 8 ? o : 1;

    static byte[]? Blob(VImage im, string field) =>
        im.Contains(field) && im.Get(field) is byte[] { Length: > 0 } b ? b : null;

    /// <summary>Decodes the whole image: pixels as <see cref="RasterImage"/> and its <see cref="ImageMetadata"/>.</summary>
    public static RasterImage Decode(byte[] data, string name, ImageFormat format, bool applyOrientation)
    {
        EnsureInitialized();
        if (format == ImageFormat.Gif) GifFrameCheck.Check(data, name);
        var chain = new List<VImage>();
        VImage Track(VImage i) { chain.Add(i); return i; }
        try
        {
            var im = Track(VImage.NewFromBuffer(data, access: Enums.Access.Random, failOn: Enums.FailOn.Warning));
            int orientation = Orientation(im);
            byte[]? exif = Blob(im, "exif-data") is { } e ? ExifBlock.WithHeader(e) : null;
            byte[]? icc = Blob(im, "icc-profile-data");
            int pages = im.Contains("n-pages") && im.Get("n-pages") is int n && n > 0 ? n : 1;
            bool palette = im.Contains("palette") && im.Get("palette") is int p && p != 0 || im.Contains("palette") && im.Get("palette") is bool pb && pb;
            (double xdpi, double ydpi) = (im.Xres * 25.4, im.Yres * 25.4);
            if (Math.Abs(im.Xres - 1.0) < 1e-9 && Math.Abs(im.Yres - 1.0) < 1e-9) // libvips' "not recorded" (WebP, AVIF, GIF)
                (xdpi, ydpi) = exif is not null && ExifBlock.ResolutionDpi(exif) is { } r ? r : (72, 72);
            if (!(xdpi > 0) || !(ydpi > 0) || double.IsInfinity(xdpi) || double.IsInfinity(ydpi)) (xdpi, ydpi) = (72, 72);

            if (applyOrientation && orientation != 1)
            {
                im = Track(im.Autorot());
                if (exif != null) exif = ExifBlock.WithOrientation(exif, 1);
                if (orientation >= 5)
                {
                    (xdpi, ydpi) = (ydpi, xdpi); // turned a quarter: the axes swap, in the EXIF block too
                    if (exif != null) exif = ExifBlock.WithResolution(exif, xdpi, ydpi);
                }
            }
            if (im.Coding == Enums.Coding.Labq) im = Track(im.LabQ2sRGB());
            else if (im.Coding != Enums.Coding.None)
                throw new InvalidDataException($"{name}: {ImageFormats.Name(format)} with {im.Coding} pixel coding is not supported");
            bool wide = im.Format == Enums.BandFormat.Ushort;
            if (im.Format is not (Enums.BandFormat.Uchar or Enums.BandFormat.Ushort))
                throw new InvalidDataException($"{name}: {ImageFormats.Name(format)} with {im.Format.ToString().ToLowerInvariant()} samples is not supported (8- and 16-bit unsigned only)");
            if (im.Interpretation is Enums.Interpretation.Cmyk or Enums.Interpretation.Lab or Enums.Interpretation.Labs or Enums.Interpretation.Lch
                or Enums.Interpretation.Cmc or Enums.Interpretation.Xyz or Enums.Interpretation.Yxy or Enums.Interpretation.Hsv or Enums.Interpretation.Scrgb)
            {
                im = Track(im.Colourspace(wide ? Enums.Interpretation.Rgb16 : Enums.Interpretation.Srgb));
                icc = null; // the profile described the source colour space, not the sRGB pixels now held
                if (im.Format != (wide ? Enums.BandFormat.Ushort : Enums.BandFormat.Uchar))
                    im = Track(im.Cast(wide ? Enums.BandFormat.Ushort : Enums.BandFormat.Uchar));
            }
            int bands = im.Bands;
            if (bands > 4) { im = Track(im.ExtractBand(0, n: im.HasAlpha() ? 4 : 3)); bands = im.Bands; }
            int colour = bands is 1 or 2 ? 1 : 3;
            bool hasAlpha = bands is 2 or 4;
            int w = im.Width, h = im.Height;
            // PNG (not palette) declares alpha: kept even when opaque. Elsewhere alpha is kept when a pixel is not opaque.
            bool keepOpaqueAlpha = format == ImageFormat.Png && !palette;
            RasterImage img = wide
                ? FromInterleaved(im.WriteToMemory<ushort>(), w, h, colour, hasAlpha, keepOpaqueAlpha, 65535f, 16, name)
                : FromInterleaved(im.WriteToMemory<byte>(), w, h, colour, hasAlpha, keepOpaqueAlpha, 255f, 8, name);
            var meta = new ImageMetadata
            {
                Exif = exif, Icc = icc, XResolution = xdpi, YResolution = ydpi,
                Orientation = applyOrientation ? 1 : orientation, SourceOrientation = orientation,
                SourceFormat = format, PageCount = pages,
            };
            return img.WithMetadata(meta);
        }
        catch (VipsException e) { throw Corrupt(name, format, e); }
        finally
        {
            for (int i = chain.Count - 1; i >= 0; i--) chain[i].Dispose();
        }
    }

    static RasterImage FromInterleaved<T>(T[] hwc, int w, int h, int colour, bool hasAlpha, bool keepOpaqueAlpha, float max, int bits, string name)
        where T : unmanaged, IConvertible
    {
        int plane = w * h, bands = colour + (hasAlpha ? 1 : 0);
        if (hwc.Length != (long)plane * bands)
            throw new InvalidDataException($"{name}: decoder returned {hwc.Length} samples, expected {w}x{h}x{bands}");
        var px = new float[plane * colour];
        float[]? alpha = hasAlpha ? new float[plane] : null;
        bool translucent = false;
        var span = hwc.AsSpan();
        if (typeof(T) == typeof(byte))
        {
            var b = System.Runtime.InteropServices.MemoryMarshal.Cast<T, byte>(span);
            for (int i = 0; i < plane; i++)
            {
                int o = i * bands;
                for (int c = 0; c < colour; c++) px[c * plane + i] = b[o + c] / max;
                if (alpha != null) { alpha[i] = b[o + colour] / max; translucent |= b[o + colour] != 255; }
            }
        }
        else
        {
            var u = System.Runtime.InteropServices.MemoryMarshal.Cast<T, ushort>(span);
            for (int i = 0; i < plane; i++)
            {
                int o = i * bands;
                for (int c = 0; c < colour; c++) px[c * plane + i] = u[o + c] / max;
                if (alpha != null) { alpha[i] = u[o + colour] / max; translucent |= u[o + colour] != 65535; }
            }
        }
        if (alpha != null && !translucent && !keepOpaqueAlpha) alpha = null;
        return new RasterImage(w, h, colour, px, alpha, bits);
    }

    /// <summary>
    /// Encodes PNG, JPEG, TIFF or WebP with the image's metadata (unless stripped); lossy conversions are made and
    /// reported in <paramref name="warnings"/>.
    /// </summary>
    public static byte[] Encode(RasterImage img, ImageFormat format, ImageWriteOptions o, List<string> warnings)
    {
        EnsureInitialized();
        string fname = ImageFormats.Name(format);
        bool wide = img.BitDepth == 16;
        if (wide && format is ImageFormat.Jpeg or ImageFormat.WebP)
        {
            warnings.Add($"{fname} is 8-bit: 16-bit values rounded to 8 bits");
            wide = false;
        }
        bool alpha = img.Alpha != null, composite = false;
        if (alpha && format == ImageFormat.Jpeg)
        {
            warnings.Add("JPEG cannot store alpha: composited onto black");
            alpha = false;
            composite = true;
        }
        var meta = img.Metadata;
        byte[]? exif = o.StripMetadata ? null : meta.Exif;
        byte[]? icc = o.StripMetadata ? null : meta.Icc;
        if (icc != null && !IccFits(icc, img.Channels, out string? why)) { warnings.Add(why!); icc = null; }
        if (exif != null && format == ImageFormat.Tiff)
        {
            warnings.Add("TIFF output: EXIF not written (the libvips TIFF writer does not store EXIF)");
            exif = null;
        }
        double xdpi = o.StripMetadata ? 72 : meta.XResolution, ydpi = o.StripMetadata ? 72 : meta.YResolution;

        int bands = img.Channels + (alpha ? 1 : 0);
        var chain = new List<VImage>();
        VImage Track(VImage i) { chain.Add(i); return i; }
        try
        {
            var im = Track(wide
                ? VImage.NewFromMemory(Interleave16(img, alpha), img.Width, img.Height, bands, Enums.BandFormat.Ushort)
                : VImage.NewFromMemory(Interleave8(img, alpha, composite), img.Width, img.Height, bands, Enums.BandFormat.Uchar));
            var interp = img.Channels == 1 ? (wide ? Enums.Interpretation.Grey16 : Enums.Interpretation.Bw) : (wide ? Enums.Interpretation.Rgb16 : Enums.Interpretation.Srgb);
            im = Track(im.Copy(interpretation: interp, xres: xdpi / 25.4, yres: ydpi / 25.4));
            var keep = Enums.ForeignKeep.None;
            if (exif != null) keep |= Enums.ForeignKeep.Exif;
            if (icc != null) keep |= Enums.ForeignKeep.Icc;
            im = Track(im.Mutate(m =>
            {
                if (exif != null)
                    m.Set(GValue.BlobType, "exif-data", ExifBlock.WithResolution(ExifBlock.WithOrientation(ExifBlock.WithHeader(exif), meta.Orientation), xdpi, ydpi));
                if (icc != null) m.Set(GValue.BlobType, "icc-profile-data", icc);
                m.Set(GValue.GIntType, "orientation", meta.Orientation);
            }));
            int q = o.Quality ?? ImageWriteOptions.DefaultJpegQuality;
            return format switch
            {
                ImageFormat.Png => im.PngsaveBuffer(compression: o.PngCompression, filter: Enums.ForeignPngFilter.All, bitdepth: wide ? 16 : 8, keep: keep),
                ImageFormat.Jpeg => im.JpegsaveBuffer(q: q, optimizeCoding: true, keep: keep),
                ImageFormat.Tiff => im.TiffsaveBuffer(compression: Enums.ForeignTiffCompression.Deflate, predictor: Enums.ForeignTiffPredictor.Horizontal,
                                                      resunit: Enums.ForeignTiffResunit.Inch, keep: keep),
                ImageFormat.WebP => o.Quality is { } wq
                    ? im.WebpsaveBuffer(q: wq, keep: keep)
                    : im.WebpsaveBuffer(lossless: true, exact: true, keep: keep),
                _ => throw new NotSupportedException($"libvips writer for {fname} is not used here"),
            };
        }
        catch (VipsException e)
        {
            throw new InvalidOperationException($"{fname} encoding of a {img.Width}x{img.Height} image failed (libvips: {Describe(e)})", e);
        }
        finally
        {
            for (int i = chain.Count - 1; i >= 0; i--) chain[i].Dispose();
        }
    }

    /// <summary>True when the profile's data colour space (header bytes 16–19) matches the channels.</summary>
    static bool IccFits(byte[] icc, int channels, out string? why)
    {
        why = null;
        if (icc.Length < 132) { why = $"ICC profile of {icc.Length} bytes is not a valid profile: not written"; return false; }
        string space = System.Text.Encoding.ASCII.GetString(icc, 16, 4);
        bool fits = channels == 1 ? space == "GRAY" : space == "RGB ";
        if (!fits) why = $"ICC profile is for '{space.Trim()}' data but the image is {(channels == 1 ? "grey" : "RGB")}: profile not written";
        return fits;
    }

    /// <summary>Interleaved 8-bit samples (colour then alpha), rounded as <see cref="RasterImage.ToBytesHwc"/>;
    /// <paramref name="composite"/> multiplies colour by alpha (onto black) and drops it.</summary>
    internal static byte[] Interleave8(RasterImage img, bool withAlpha, bool composite)
    {
        int plane = img.PlaneSize, ch = img.Channels, bands = ch + (withAlpha ? 1 : 0);
        var dst = new byte[plane * bands];
        var px = img.Pixels;
        var a = img.Alpha;
        for (int i = 0; i < plane; i++)
        {
            int o = i * bands;
            for (int c = 0; c < ch; c++)
            {
                float v = px[c * plane + i];
                if (composite && a != null) v *= Math.Clamp(a[i], 0f, 1f);
                dst[o + c] = RasterImage.Quantize8(v);
            }
            if (withAlpha) dst[o + ch] = RasterImage.Quantize8(a![i]);
        }
        return dst;
    }

    static ushort[] Interleave16(RasterImage img, bool withAlpha)
    {
        int plane = img.PlaneSize, ch = img.Channels, bands = ch + (withAlpha ? 1 : 0);
        var dst = new ushort[plane * bands];
        var px = img.Pixels;
        for (int i = 0; i < plane; i++)
        {
            int o = i * bands;
            for (int c = 0; c < ch; c++) dst[o + c] = RasterImage.Quantize16(px[c * plane + i]);
            if (withAlpha) dst[o + ch] = RasterImage.Quantize16(img.Alpha![i]);
        }
        return dst;
    }
}
