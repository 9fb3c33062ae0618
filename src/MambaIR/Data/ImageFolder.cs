using MambaIR.Imaging;

namespace MambaIR.Data;

/// <summary>Lists the image files of a folder (non-recursive, supported extensions, sorted by ordinal name).</summary>
public static class ImageFolder
{
    /// <summary>Full paths of the supported images in <paramref name="folder"/>; throws if the folder is missing or has none.</summary>
    public static IReadOnlyList<string> List(string folder, bool allowEmpty = false)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"image folder not found: {folder}");
        var files = Directory.EnumerateFiles(folder).Where(ImageFile.IsSupported)
            .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();
        if (files.Count == 0 && !allowEmpty)
            throw new FileNotFoundException($"no images ({string.Join(", ", ImageFile.SupportedExtensions)}) in {folder}");
        return files;
    }
}
