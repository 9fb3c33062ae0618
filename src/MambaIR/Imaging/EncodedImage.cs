namespace MambaIR.Imaging;

/// <summary>An encoded image and what the encoding lost (e.g. "JPEG cannot store alpha: composited onto black").</summary>
public sealed record EncodedImage(byte[] Bytes, IReadOnlyList<string> Warnings);
