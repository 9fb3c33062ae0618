using MambaIR.Checkpoints;
using MambaIR.Text.Recognizers;

namespace MambaIR.Text.Evaluation;

/// <summary>
/// The STISR protocol recognizers (CRNN, MORAN, ASTER) loaded from their released PyTorch weights
/// (<c>--recognizer crnn=crnn.pth</c>, <c>moran=demo.pth</c>, <c>aster=demo.pth.tar</c>); their accuracies compare with
/// the published TextZoom tables. A checkpoint of another recognizer is rejected naming the file.
/// </summary>
public abstract class ProtocolRecognizerProvider(RecognizerKind kind) : ITextRecognizerProvider
{
    /// <inheritdoc/>
    public string Name => kind.Name();

    /// <inheritdoc/>
    public bool ComparableWithPublished => true;

    /// <inheritdoc/>
    public string? DefaultPath() => null;

    /// <inheritdoc/>
    public ITextRecognizer Load(string path)
    {
        using var stateDict = Checkpoint.Load(path);
        var found = RecognizerKinds.Detect(stateDict.Keys);
        if (found != null && found != kind)
            throw new InvalidDataException($"{path}: this is a {found.Value.Name()} checkpoint, not {kind.Name()}: load it as {found.Value.Name()}");
        return Create(stateDict, path);
    }

    /// <summary>Builds the recognizer from the loaded state dict.</summary>
    protected abstract ITextRecognizer Create(StateDict stateDict, string path);
}

/// <summary><c>--recognizer crnn=PATH</c> (meijieru/crnn.pytorch <c>crnn.pth</c>).</summary>
public sealed class CrnnRecognizerProvider() : ProtocolRecognizerProvider(RecognizerKind.Crnn)
{
    /// <inheritdoc/>
    protected override ITextRecognizer Create(StateDict stateDict, string path) => new CrnnRecognizer(stateDict, path);
}

/// <summary><c>--recognizer moran=PATH</c> (Canjie-Luo/MORAN_v2 <c>demo.pth</c>).</summary>
public sealed class MoranRecognizerProvider() : ProtocolRecognizerProvider(RecognizerKind.Moran)
{
    /// <inheritdoc/>
    protected override ITextRecognizer Create(StateDict stateDict, string path) => new MoranRecognizer(stateDict, path);
}

/// <summary><c>--recognizer aster=PATH</c> (ayumiymk/aster.pytorch <c>demo.pth.tar</c>).</summary>
public sealed class AsterRecognizerProvider() : ProtocolRecognizerProvider(RecognizerKind.Aster)
{
    /// <inheritdoc/>
    protected override ITextRecognizer Create(StateDict stateDict, string path) => new AsterRecognizer(stateDict, path);
}
