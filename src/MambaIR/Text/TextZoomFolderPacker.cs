using MambaIR.Imaging;

namespace MambaIR.Text;

/// <summary>
/// Packs folders of LR/HR pairs into a TextZoom LMDB. The label file has one sample per line,
/// <c>FILE&lt;TAB&gt;LABEL</c> (or <c>FILE LABEL</c>, split at the first whitespace), where <c>FILE</c> is the image's name in
/// both the HR and the LR folder. Samples are written in the file's order, with the encoded bytes as they are (PNG/JPEG...,
/// checked to decode). A missing or undecodable image or an empty label is skipped with a message naming the line and file.
/// </summary>
public static class TextZoomFolderPacker
{
    /// <summary>Outcome: samples written and the skipped lines with reasons.</summary>
    public sealed record Result(int Written, IReadOnlyList<string> Skipped);

    /// <summary>Writes <paramref name="outLmdb"/> from <paramref name="hrDir"/>, <paramref name="lrDir"/> and <paramref name="labelsFile"/>.</summary>
    public static Result Pack(string hrDir, string lrDir, string labelsFile, string outLmdb, Action<int>? progress = null)
    {
        foreach (var d in new[] { hrDir, lrDir })
            if (!Directory.Exists(d)) throw new DirectoryNotFoundException($"image folder not found: {d}");
        if (!File.Exists(labelsFile)) throw new FileNotFoundException($"label file not found: {labelsFile}", labelsFile);
        var skipped = new List<string>();
        using var writer = new TextZoomLmdbWriter(outLmdb);
        int lineNo = 0;
        foreach (string raw in File.ReadLines(labelsFile))
        {
            lineNo++;
            string line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            int sep = line.IndexOfAny(['\t', ' ']);
            string where = $"{labelsFile}:{lineNo}";
            if (sep <= 0) { skipped.Add($"{where}: expected 'FILE<TAB>LABEL', got '{line}'"); continue; }
            string file = line[..sep], label = line[(sep + 1)..].Trim();
            if (label.Length == 0) { skipped.Add($"{where}: empty label for {file}"); continue; }
            byte[]? hr = ReadImage(Path.Combine(hrDir, file), where, skipped);
            byte[]? lr = hr == null ? null : ReadImage(Path.Combine(lrDir, file), where, skipped);
            if (hr == null || lr == null) continue;
            writer.Add(label, hr, lr);
            progress?.Invoke(writer.Count);
        }
        return new Result(writer.Count, skipped);
    }

    static byte[]? ReadImage(string path, string where, List<string> skipped)
    {
        if (!File.Exists(path)) { skipped.Add($"{where}: image not found: {path}"); return null; }
        byte[] bytes = File.ReadAllBytes(path);
        try { Rgb8Image.Decode(bytes, path); }
        catch (InvalidDataException e) { skipped.Add($"{where}: {e.Message}"); return null; }
        return bytes;
    }
}
