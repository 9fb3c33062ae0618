using MambaIR.Imaging;

namespace MambaIR.Data;

/// <summary>What <see cref="BenchmarkBuilder"/> produces.</summary>
/// <param name="Scales">Down-scaling factors, e.g. 2, 3, 4.</param>
/// <param name="LrTemplate">LR file stem; <c>{}</c> is the HR stem and <c>{s}</c> the scale. The default <c>{}x{s}</c>
/// gives <c>babyx2.png</c>, matching BasicSR's <c>filename_tmpl: '{}x2'</c> used by MambaIR's test configs.</param>
/// <param name="Border">MATLAB border mode; <see cref="ResizeBorder.Replicate"/> reproduces the published LR files.</param>
public sealed record BenchmarkOptions(IReadOnlyList<int> Scales, string LrTemplate = "{}x{s}", ResizeBorder Border = ResizeBorder.Replicate)
{
    /// <summary>The LR file stem for an HR stem at a scale.</summary>
    public string LrStem(string hrStem, int scale) => LrTemplate.Replace("{}", hrStem).Replace("{s}", scale.ToString());
}

/// <summary>
/// Builds SR benchmark folders the way RCAN's <c>Prepare_TestData_HR_LR.m</c> does: per scale s, mod-crop the HR
/// image from the top-left to a multiple of s and make LR with MATLAB <c>imresize(HR, 1/s, 'bicubic')</c>
/// (<see cref="MatlabBicubic"/>, bit-exact). Layout under the output root:
/// <c>HR/x{s}/{name}.png</c> and <c>LRBI/x{s}/{LrTemplate}.png</c>. Grey stays grey, 16-bit stays 16-bit.
/// </summary>
public static class BenchmarkBuilder
{
    /// <summary>Crops <paramref name="img"/> from the top-left to a multiple of <paramref name="scale"/> (MATLAB <c>modcrop</c>).</summary>
    public static RasterImage ModCrop(RasterImage img, int scale)
    {
        int w = img.Width - img.Width % scale, h = img.Height - img.Height % scale;
        if (w == 0 || h == 0) throw new ArgumentException($"a {img.Width}x{img.Height} image is smaller than the scale {scale}");
        return w == img.Width && h == img.Height ? img : img.Crop(0, 0, w, h);
    }

    /// <summary>HR (mod-cropped) and LR for one image and scale.</summary>
    public static (RasterImage Hr, RasterImage Lr) MakePair(RasterImage hr, int scale, ResizeBorder border = ResizeBorder.Replicate)
    {
        var cropped = ModCrop(hr, scale);
        return (cropped, MatlabBicubic.Resize(cropped, 1.0 / scale, border));
    }

    /// <summary>Processes every supported image in <paramref name="hrFolder"/> (sorted by name); returns the files written.
    /// <paramref name="progress"/> gets (done, total, file name).</summary>
    public static IReadOnlyList<string> Build(string hrFolder, string outRoot, BenchmarkOptions options, Action<int, int, string>? progress = null)
    {
        if (options.Scales.Count == 0 || options.Scales.Any(s => s < 1)) throw new ArgumentException($"scales must be positive integers, got [{string.Join(",", options.Scales)}]");
        if (!options.LrTemplate.Contains("{}")) throw new ArgumentException($"LR template '{options.LrTemplate}' must contain '{{}}' for the HR name");
        var files = ImageFolder.List(hrFolder);
        var written = new List<string>();
        for (int i = 0; i < files.Count; i++)
        {
            string stem = Path.GetFileNameWithoutExtension(files[i]);
            var hr = ImageFile.Read(files[i]);
            foreach (int s in options.Scales)
            {
                var (h, l) = MakePair(hr, s, options.Border);
                string hrPath = Path.Combine(outRoot, "HR", $"x{s}", stem + ".png");
                string lrPath = Path.Combine(outRoot, "LRBI", $"x{s}", options.LrStem(stem, s) + ".png");
                ImageFile.Write(hrPath, h);
                ImageFile.Write(lrPath, l);
                written.Add(hrPath); written.Add(lrPath);
            }
            progress?.Invoke(i + 1, files.Count, Path.GetFileName(files[i]));
        }
        return written;
    }
}
