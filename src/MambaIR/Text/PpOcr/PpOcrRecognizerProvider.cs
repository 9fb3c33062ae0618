using MambaIR.Text.Recognizers;

namespace MambaIR.Text.PpOcr;

/// <summary>
/// <c>--recognizer ppocr[=DIR_OR_ONNX]</c>. Without a path, the install folder is <c>MAMBAIR_PPOCR_DIR</c> or
/// <c>models/ppocr</c> above the application (where <c>scripts/install-ppocr.sh</c> puts it). A directory must hold
/// <c>ch_PP-OCRv4_rec_infer.onnx</c> and <c>ppocr_keys_v1.txt</c>; for an .onnx file the key list is looked for beside it.
/// </summary>
public sealed class PpOcrRecognizerProvider : ITextRecognizerProvider
{
    /// <summary>Model file name in the install folder.</summary>
    public const string ModelFile = "ch_PP-OCRv4_rec_infer.onnx";

    /// <summary>Key list file name in the install folder.</summary>
    public const string KeysFile = "ppocr_keys_v1.txt";

    /// <inheritdoc/>
    public string Name => "ppocr";

    /// <inheritdoc/>
    public bool ComparableWithPublished => false;

    /// <inheritdoc/>
    public string? DefaultPath() => InstallFolder();

    /// <summary>The installed folder, or null when not installed.</summary>
    public static string? InstallFolder()
    {
        if (Environment.GetEnvironmentVariable("MAMBAIR_PPOCR_DIR") is { Length: > 0 } env) return env;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string dir = Path.Combine(d.FullName, "models", "ppocr");
            if (File.Exists(Path.Combine(dir, ModelFile))) return dir;
        }
        return null;
    }

    /// <inheritdoc/>
    public ITextRecognizer Load(string path)
    {
        string model = Directory.Exists(path) ? Path.Combine(path, ModelFile) : path;
        string keys = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(model))!, KeysFile);
        return new PpOcrRecognizer(model, keys);
    }
}
