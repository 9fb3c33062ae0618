namespace MambaIR.Text;

/// <summary>One raw TextZoom sample as stored: its 1-based index, UTF-8 label and encoded HR/LR image bytes.</summary>
/// <param name="Index">1-based sample index (the key suffix).</param>
/// <param name="Label">The stored label, unfiltered.</param>
/// <param name="HighRes">Encoded HR image file bytes (PNG, JPEG...).</param>
/// <param name="LowRes">Encoded LR image file bytes.</param>
public sealed record TextZoomRecord(int Index, string Label, byte[] HighRes, byte[] LowRes);
