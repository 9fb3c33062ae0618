namespace MambaIR.Imaging;

/// <summary>The output format a restore asks for: one of the writable formats, or the input's own.</summary>
public enum OutputFormat
{
    /// <summary>The input's format when it can be written (PNG, JPEG, TIFF, WebP, BMP), else PNG.</summary>
    KeepSource,
    /// <summary>PNG.</summary>
    Png,
    /// <summary>JPEG.</summary>
    Jpeg,
    /// <summary>WebP.</summary>
    WebP,
    /// <summary>TIFF.</summary>
    Tiff,
}
