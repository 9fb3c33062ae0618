using MambaIR.Imaging;
using SkiaSharp;

namespace MambaIR.Text.Synthetic;

/// <summary>
/// Renders TextZoom-style pairs: a word (<see cref="WordSource"/>) drawn with SkiaSharp in a random font, size, position,
/// small rotation and foreground/background colours at <see cref="SyntheticTextZoomOptions.RenderScale"/>× the HR size,
/// brought to HR (128×32) with Pillow BICUBIC; the LR (64×16) is the HR blurred with a random Gaussian, Pillow-BICUBIC
/// downscaled, given Gaussian noise and JPEG-encoded at a random quality. Sample i depends only on (seed, i, fonts).
/// </summary>
public sealed class SyntheticTextZoomGenerator : IDisposable
{
    readonly SKTypeface[] _typefaces;
    readonly string[] _fontNames;

    /// <summary>The settings.</summary>
    public SyntheticTextZoomOptions Options { get; }

    /// <summary>Loads the fonts. Throws naming a font file that cannot be loaded.</summary>
    public SyntheticTextZoomGenerator(SyntheticTextZoomOptions? options = null)
    {
        Options = options ?? new SyntheticTextZoomOptions();
        var files = Options.FontFiles ?? FontLocator.Bundled();
        if (files.Count == 0) throw new ArgumentException("no font files given");
        _typefaces = files.Select(f => SKTypeface.FromFile(f) ?? throw new InvalidDataException($"{f}: not a loadable font")).ToArray();
        _fontNames = files.Select(Path.GetFileName).ToArray()!;
    }

    /// <summary>Generates sample <paramref name="index"/> (0-based).</summary>
    public SyntheticTextSample Generate(int index)
    {
        var rng = new Random(unchecked(Options.Seed * 1_000_003 + index * 7919 + 17));
        string label = WordSource.Next(rng);
        int font = rng.Next(_typefaces.Length);
        var (hw, hh) = Options.HighResSize;
        var render = Render(label, _typefaces[font], rng, hw * Options.RenderScale, hh * Options.RenderScale);
        var hr = render.ResizePillowBicubic(hw, hh);

        double blur = Options.MinBlurSigma + rng.NextDouble() * (Options.MaxBlurSigma - Options.MinBlurSigma);
        double noise = rng.NextDouble() * Options.MaxNoiseSigma;
        int quality = rng.Next(Options.MinJpegQuality, Options.MaxJpegQuality + 1);
        var (lw, lh) = Options.LowResSize;
        var lr = GaussianBlur(hr, blur).ResizePillowBicubic(lw, lh);
        AddNoise(lr, noise, rng);
        return new SyntheticTextSample(label, hr, hr.EncodePng(), lr.EncodeJpeg(quality), _fontNames[font], blur, noise, quality);
    }

    /// <summary>Writes samples 0..count−1 to a new TextZoom LMDB at <paramref name="path"/>; <paramref name="progress"/> gets the number done.</summary>
    public void WriteLmdb(string path, int count, Action<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        using var writer = new TextZoomLmdbWriter(path);
        for (int i = 0; i < count; i++)
        {
            var s = Generate(i);
            writer.Add(s.Label, s.HighResPng, s.LowResJpeg);
            progress?.Invoke(i + 1);
        }
    }

    Rgb8Image Render(string text, SKTypeface typeface, Random rng, int width, int height)
    {
        var (bg, fg) = Colours(rng);
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"SkiaSharp could not create a {width}×{height} surface");
        var canvas = surface.Canvas;
        canvas.Clear(bg);
        using var font = new SKFont(typeface, 1f) { Edging = SKFontEdging.Antialias, Subpixel = true };
        // Size: cap height 45–75 % of the image height, reduced to fit 70–95 % of the width.
        font.Size = (float)(height * (0.55 + 0.35 * rng.NextDouble()));
        float targetWidth = (float)(width * (0.70 + 0.25 * rng.NextDouble()));
        float measured = font.MeasureText(text);
        if (measured > targetWidth) font.Size *= targetWidth / measured;
        measured = font.MeasureText(text);
        var metrics = font.Metrics;
        float textHeight = -metrics.Ascent + metrics.Descent;
        float x = (float)((width - measured) * rng.NextDouble());
        float y = (float)((height - textHeight) * (0.3 + 0.4 * rng.NextDouble())) - metrics.Ascent;
        using var paint = new SKPaint { Color = fg, IsAntialias = true };
        canvas.Save();
        canvas.RotateDegrees((float)((rng.NextDouble() * 2 - 1) * Options.MaxRotationDegrees), width / 2f, height / 2f);
        canvas.DrawText(text, x, y, SKTextAlign.Left, font, paint);
        canvas.Restore();
        using var snapshot = surface.Snapshot();
        using var pixmap = snapshot.PeekPixels();
        var rgba = pixmap.GetPixelSpan();
        var rgb = new byte[width * height * 3];
        for (int i = 0, n = width * height; i < n; i++)
        {
            rgb[3 * i] = rgba[4 * i]; rgb[3 * i + 1] = rgba[4 * i + 1]; rgb[3 * i + 2] = rgba[4 * i + 2];
        }
        return new Rgb8Image(width, height, rgb);
    }

    /// <summary>Background and text colours with at least 90 levels of luma contrast; dark-on-light 70 % of the time.</summary>
    static (SKColor Bg, SKColor Fg) Colours(Random rng)
    {
        static double Luma(SKColor c) => 0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue;
        SKColor Pick(int lo, int hi) => new((byte)rng.Next(lo, hi), (byte)rng.Next(lo, hi), (byte)rng.Next(lo, hi));
        bool darkOnLight = rng.NextDouble() < 0.7;
        while (true)
        {
            var bg = darkOnLight ? Pick(120, 256) : Pick(0, 140);
            var fg = darkOnLight ? Pick(0, 130) : Pick(130, 256);
            if (Math.Abs(Luma(bg) - Luma(fg)) >= 90) return (bg, fg);
        }
    }

    /// <summary>Separable Gaussian blur (radius ⌈3σ⌉, replicated borders), rounded back to uint8.</summary>
    static Rgb8Image GaussianBlur(Rgb8Image img, double sigma)
    {
        if (sigma < 0.05) return img;
        int r = (int)Math.Ceiling(3 * sigma);
        var k = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) sum += k[i + r] = Math.Exp(-i * i / (2 * sigma * sigma));
        for (int i = 0; i < k.Length; i++) k[i] /= sum;
        int w = img.Width, h = img.Height;
        var tmp = new double[w * h * 3];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++)
                {
                    double s = 0;
                    for (int i = -r; i <= r; i++) s += k[i + r] * img.Pixels[(y * w + Math.Clamp(x + i, 0, w - 1)) * 3 + c];
                    tmp[(y * w + x) * 3 + c] = s;
                }
        var outp = new byte[w * h * 3];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++)
                {
                    double s = 0;
                    for (int i = -r; i <= r; i++) s += k[i + r] * tmp[(Math.Clamp(y + i, 0, h - 1) * w + x) * 3 + c];
                    outp[(y * w + x) * 3 + c] = (byte)Math.Clamp(Math.Round(s), 0, 255);
                }
        return new Rgb8Image(w, h, outp);
    }

    /// <summary>Adds N(0, σ²) noise per sample (Box–Muller from <paramref name="rng"/>), rounded and clamped, in place.</summary>
    static void AddNoise(Rgb8Image img, double sigma, Random rng)
    {
        if (sigma <= 0) return;
        var p = img.Pixels;
        for (int i = 0; i < p.Length; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double n = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            p[i] = (byte)Math.Clamp(Math.Round(p[i] + sigma * n), 0, 255);
        }
    }

    /// <summary>Releases the typefaces.</summary>
    public void Dispose() { foreach (var t in _typefaces) t.Dispose(); }
}
