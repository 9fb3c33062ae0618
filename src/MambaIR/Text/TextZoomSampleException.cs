namespace MambaIR.Text;

/// <summary>A TextZoom sample that cannot be used (missing key, undecodable image, label outside the alphabet).
/// <see cref="SampleId"/> names it as <c>subset/%09d</c>.</summary>
public sealed class TextZoomSampleException(string sampleId, string message, Exception? inner = null)
    : Exception($"{sampleId}: {message}", inner)
{
    /// <summary><c>subset/%09d</c> (1-based index as in the keys).</summary>
    public string SampleId { get; } = sampleId;
}
