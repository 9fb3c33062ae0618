using System.Diagnostics;
using MambaIR.Imaging;
using NetVips;
using Xunit.Abstractions;
using VImage = NetVips.Image;

namespace MambaIR.Tests.Imaging;

/// <summary>
/// Seeded fuzzing of every readable format: files made from real benchmark images (Set5/Set14, cropped and resized to
/// 96×64) are truncated, bit-flipped (anywhere, and in the first 160 bytes where the headers are) and spliced (the head of one file and the tail of another of the same format).
/// Each case must be an <see cref="InvalidDataException"/> that names the file, or a full decode of the original size;
/// a truncated file that decodes must give exactly the original pixels (only bytes after the image data were cut). Never
/// another exception, never more than 10 s. The counts are printed.
/// </summary>
public class DecoderFuzzTests(ITestOutputHelper output)
{
    const int W = 96, H = 64, CasesPerFormat = 212;
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    static readonly string[] Sources =
    [
        "Set5/HR/x2/baby_HR_x2.png", "Set5/HR/x2/bird_HR_x2.png", "Set5/HR/x2/butterfly_HR_x2.png",
        "Set14/x2/img_003_SRF_2_HR.png", "Set14/x2/img_005_SRF_2_HR.png", "Set14/x2/img_010_SRF_2_HR.png",
    ];

    /// <summary>The 96×64 test images: a centre crop of each source resized by Lanczos-3; one with an alpha ramp, one 16-bit.</summary>
    static List<RasterImage> Originals()
    {
        var list = new List<RasterImage>();
        for (int i = 0; i < Sources.Length; i++)
        {
            var full = ImageFile.Read(Path.Combine(TestPaths.Benchmarks, Sources[i]));
            int cw = Math.Min(full.Width, full.Height * 3 / 2), ch = cw * 2 / 3;
            var img = ImageResampler.Resize(full.Crop((full.Width - cw) / 2, (full.Height - ch) / 2, cw, ch), H, W).ToOpaque8Bit();
            if (i == 1) img = new RasterImage(W, H, img.Channels, img.Pixels, Enumerable.Range(0, W * H).Select(p => (p % W) / (float)(W - 1)).ToArray()).ToOpaque8BitKeepingAlpha();
            if (i == 2) img = img.Clone(bitDepth: 16);
            list.Add(img);
        }
        return list;
    }

    static byte[] Encode(RasterImage img, string format)
    {
        switch (format)
        {
            case "png": return ImageFile.Encode(img, ImageFormat.Png).Bytes;
            case "jpeg": return ImageFile.Encode(img.ToOpaque8Bit(), ImageFormat.Jpeg, new ImageWriteOptions { Quality = 85 }).Bytes;
            case "bmp": return ImageFile.Encode(img.Clone(bitDepth: 8), ImageFormat.Bmp).Bytes;
            case "tiff": return ImageFile.Encode(img, ImageFormat.Tiff).Bytes;
            case "webp": return ImageFile.Encode(img.Clone(bitDepth: 8), ImageFormat.WebP, new ImageWriteOptions { Quality = img.Alpha == null ? 80 : null }).Bytes;
            default:
            {
                // GIF and AVIF are read, not written, by ImageFile: made here with libvips directly
                var rgb = img.ToChannels(3).ToOpaque8Bit();
                using var raw = VImage.NewFromMemory(rgb.ToBytesHwc(), W, H, 3, Enums.BandFormat.Uchar);
                using var srgb = raw.Copy(interpretation: Enums.Interpretation.Srgb);
                return format == "gif" ? srgb.GifsaveBuffer() : srgb.HeifsaveBuffer(q: 60, compression: Enums.ForeignHeifCompression.Av1, effort: 0);
            }
        }
    }

    public static TheoryData<string> Formats() => ["png", "jpeg", "bmp", "tiff", "webp", "gif", "avif"];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task MangledFilesAreNamedErrorsOrFullDecodes(string format)
    {
        var watch = Stopwatch.StartNew();
        var files = Originals().Select(i => Encode(i, format)).ToArray();
        var decoded = files.Select((f, i) => ImageFile.Decode(f, $"original {i}")).ToArray();
        Assert.All(decoded, d => Assert.Equal((W, H), (d.Width, d.Height)));
        var rng = new Random(HashCode(format));
        int errors = 0, fullDecodes = 0, truncatedDecodes = 0, resized = 0;
        var problems = new List<string>();
        var kinds = new Dictionary<string, (int Errors, int Decodes)>();
        for (int n = 0; n < CasesPerFormat; n++)
        {
            int src = rng.Next(files.Length);
            byte[] f = files[src];
            string kind;
            byte[] data;
            switch (n % 4)
            {
                case 0:
                    kind = "truncated";
                    data = f[..rng.Next(f.Length)];
                    break;
                case 1:
                {
                    kind = "bit flips";
                    data = (byte[])f.Clone();
                    int flips = 1 + rng.Next(4);
                    for (int k = 0; k < flips; k++) data[rng.Next(data.Length)] ^= (byte)(1 << rng.Next(8));
                    break;
                }
                case 2:
                {
                    // where the sizes, bit depths, offsets and chunk lengths are
                    kind = "header flips";
                    data = (byte[])f.Clone();
                    int flips = 1 + rng.Next(2);
                    for (int k = 0; k < flips; k++) data[rng.Next(Math.Min(data.Length, 160))] ^= (byte)(1 << rng.Next(8));
                    break;
                }
                default:
                {
                    kind = "spliced";
                    byte[] other = files[(src + 1 + rng.Next(files.Length - 1)) % files.Length];
                    int cut = rng.Next(1, f.Length), from = Math.Min(other.Length - 1, Math.Max(1, cut + rng.Next(-64, 65)));
                    data = [.. f[..cut], .. other[from..]];
                    break;
                }
            }
            string name = $"fuzz/{format}-{n:D3}-{kind.Replace(' ', '-')}.{format}";
            var task = Task.Run(() => ImageFile.Decode(data, name));
            if (await Task.WhenAny(task, Task.Delay(Limit)) != task) { problems.Add($"{name}: no result within {Limit.TotalSeconds} s"); continue; }
            kinds.TryGetValue(kind, out var k0);
            if (task.IsFaulted)
            {
                var e = task.Exception!.InnerException!;
                if (e is InvalidDataException && e.Message.Contains(name)) { errors++; kinds[kind] = (k0.Errors + 1, k0.Decodes); }
                else problems.Add($"{name}: {e.GetType().Name}: {e.Message}");
                continue;
            }
            var img = await task;
            kinds[kind] = (k0.Errors, k0.Decodes + 1);
            if ((img.Width, img.Height) != (W, H))
            {
                // GIF has no checksum: a flip in the logical screen size gives a valid file whose canvas is that size
                // (the frame drawn at its place, the rest filled by the decoder); that is the file's image, not a partial one.
                if (format == "gif" && kind != "truncated" && (img.Width, img.Height) == GifScreen(data)) { resized++; continue; }
                problems.Add($"{name}: decoded at {img.Width}x{img.Height}, not {W}x{H}");
                continue;
            }
            fullDecodes++;
            if (kind == "truncated")
            {
                truncatedDecodes++;
                if (!img.Pixels.AsSpan().SequenceEqual(decoded[src].Pixels) || !SameAlpha(img, decoded[src]))
                    problems.Add($"{name}: truncated to {data.Length} of {f.Length} bytes, decoded with pixels that differ from the original: a partial image");
            }
        }
        output.WriteLine($"{format}: {CasesPerFormat} cases, {errors} named errors, {fullDecodes} decoded ({truncatedDecodes} of them truncated only after the image data)"
                         + (resized > 0 ? $", {resized} decoded at the canvas size a flipped GIF header declares" : "") + "; "
                         + string.Join(", ", kinds.OrderBy(k => k.Key).Select(k => $"{k.Key}: {k.Value.Errors} errors / {k.Value.Decodes} decoded"))
                         + $"; {watch.Elapsed.TotalSeconds:F1} s");
        foreach (var p in problems) output.WriteLine("  PROBLEM " + p);
        Assert.Empty(problems);
        Assert.True(errors > CasesPerFormat / 4, $"only {errors} of {CasesPerFormat} mangled {format} files were rejected");
    }

    /// <summary>The GIF logical screen width and height (bytes 6–9, little-endian).</summary>
    static (int, int) GifScreen(byte[] gif) => (gif[6] | gif[7] << 8, gif[8] | gif[9] << 8);

    static bool SameAlpha(RasterImage a, RasterImage b) =>
        a.Alpha == null ? b.Alpha == null : b.Alpha != null && a.Alpha.AsSpan().SequenceEqual(b.Alpha);

    static int HashCode(string s) => s.Aggregate(17, (h, c) => h * 31 + c);
}

internal static class FuzzImageExtensions
{
    /// <summary>8-bit colour and alpha (alpha quantised like the colour samples).</summary>
    public static RasterImage ToOpaque8BitKeepingAlpha(this RasterImage img)
    {
        var c = img.ToOpaque8Bit();
        var a = img.AlphaToBytes()!.Select(v => v / 255f).ToArray();
        return new RasterImage(c.Width, c.Height, c.Channels, c.Pixels, a, 8);
    }
}
