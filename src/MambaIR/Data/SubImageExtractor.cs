using MambaIR.Imaging;

namespace MambaIR.Data;

/// <summary>Crop size, step and threshold of BasicSR's <c>extract_subimages.py</c>.</summary>
public sealed record SubImageOptions(int CropSize, int Step, int ThreshSize = 0, int CompressionLevel = 3)
{
    /// <summary>DIV2K HR: 480 / 240.</summary>
    public static SubImageOptions Hr => new(480, 240);
    /// <summary>DIV2K LR ×s: (480/s) / (240/s), i.e. ×2 240/120, ×3 160/80, ×4 120/60.</summary>
    public static SubImageOptions ForScale(int scale) =>
        480 % scale == 0 && 240 % scale == 0 ? new(480 / scale, 240 / scale) : throw new ArgumentException($"no DIV2K sub-image preset for scale {scale}");
}

/// <summary>
/// BasicSR <c>scripts/data_preparation/extract_subimages.py</c>: per image, top-left positions
/// <c>arange(0, len − crop + 1, step)</c> per axis plus <c>len − crop</c> when the remainder exceeds
/// <c>thresh_size</c>; crops in row-major order named <c>{name}_s{index:03d}{ext}</c> (index from 1), where
/// <c>name</c> has every "x2", "x3", "x4" and "x8" removed (as BasicSR's <c>str.replace</c>, so HR and LR keys match).
/// </summary>
public static class SubImageExtractor
{
    /// <summary>Top-left offsets along one axis of length <paramref name="length"/>.</summary>
    public static IReadOnlyList<int> Positions(int length, int crop, int step, int thresh)
    {
        if (crop <= 0 || step <= 0) throw new ArgumentException($"crop and step must be positive (crop {crop}, step {step})");
        if (length < crop) throw new ArgumentException($"length {length} is smaller than the crop size {crop}");
        var p = new List<int>();
        for (int v = 0; v < length - crop + 1; v += step) p.Add(v);
        if (length - (p[^1] + crop) > thresh) p.Add(length - crop);
        return p;
    }

    /// <summary>The name stem BasicSR gives the crops of <paramref name="fileName"/>.</summary>
    public static string BaseName(string fileName) =>
        Path.GetFileNameWithoutExtension(fileName).Replace("x2", "").Replace("x3", "").Replace("x4", "").Replace("x8", "");

    /// <summary>(name, x, y) of every crop of a width×height image, in BasicSR's order (rows outer, columns inner).</summary>
    public static IReadOnlyList<(string Name, int X, int Y)> Plan(string baseName, int width, int height, SubImageOptions o)
    {
        var ys = Positions(height, o.CropSize, o.Step, o.ThreshSize);
        var xs = Positions(width, o.CropSize, o.Step, o.ThreshSize);
        var list = new List<(string, int, int)>(ys.Count * xs.Count);
        int index = 0;
        foreach (int y in ys)
            foreach (int x in xs)
                list.Add(($"{baseName}_s{++index:000}", x, y));
        return list;
    }

    /// <summary>Crops one image file into <paramref name="outFolder"/>; returns the files written.</summary>
    public static IReadOnlyList<string> ExtractFile(string path, string outFolder, SubImageOptions o)
    {
        var img = ImageFile.Read(path);
        string ext = Path.GetExtension(path).ToLowerInvariant();
        IReadOnlyList<(string Name, int X, int Y)> plan;
        try { plan = Plan(BaseName(path), img.Width, img.Height, o); }
        catch (ArgumentException e) { throw new ArgumentException($"{path} ({img.Width}x{img.Height}): {e.Message}", e); }
        Directory.CreateDirectory(outFolder);
        var written = new List<string>(plan.Count);
        foreach (var (name, x, y) in plan)
        {
            string dst = Path.Combine(outFolder, name + ext);
            File.WriteAllBytes(dst, ImageFile.Encode(img.Crop(x, y, o.CropSize, o.CropSize), ext, pngCompressionLevel: o.CompressionLevel));
            written.Add(dst);
        }
        return written;
    }

    /// <summary>Crops every image of <paramref name="inFolder"/>; images run in parallel on
    /// <paramref name="threads"/> threads, so <paramref name="progress"/> (done, total, file name) may be called
    /// concurrently. The first failing file's exception is rethrown (it names the file).</summary>
    public static int ExtractFolder(string inFolder, string outFolder, SubImageOptions o, int threads = 1, Action<int, int, string>? progress = null)
    {
        var files = ImageFolder.List(inFolder);
        int done = 0, crops = 0;
        try
        {
            Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, f =>
            {
                int n = ExtractFile(f, outFolder, o).Count;
                Interlocked.Add(ref crops, n);
                int d = Interlocked.Increment(ref done);
                progress?.Invoke(d, files.Count, Path.GetFileName(f));
            });
        }
        catch (AggregateException e)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]); // the first failing file's error
        }
        return crops;
    }
}
