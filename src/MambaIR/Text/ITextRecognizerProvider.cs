using MambaIR.Text.Recognizers;

namespace MambaIR.Text;

/// <summary>
/// Creates a recognizer from its weights. Implementations in the MambaIR assembly are discovered by reflection
/// (<see cref="TextRecognizerRegistry"/>), so adding a recognizer is adding a class: the command line then accepts
/// <c>--recognizer NAME=PATH</c> (or just <c>NAME</c> when <see cref="DefaultPath"/> finds installed weights).
/// Implementations need a public parameterless constructor.
/// </summary>
public interface ITextRecognizerProvider
{
    /// <summary>The recognizer name (<c>crnn</c>, <c>moran</c>, <c>aster</c>, <c>ppocr</c>), lower-case.</summary>
    string Name { get; }

    /// <summary>True when its accuracies can be compared with the published TextZoom tables (the STISR papers' weights and protocol).</summary>
    bool ComparableWithPublished { get; }

    /// <summary>Where installed weights are when no path is given, or null when a path is required.</summary>
    string? DefaultPath();

    /// <summary>
    /// Loads the recognizer from <paramref name="path"/>. Must throw <see cref="InvalidDataException"/> naming the file
    /// (and the first offending key) when it holds another recognizer's weights.
    /// </summary>
    ITextRecognizer Load(string path);
}
