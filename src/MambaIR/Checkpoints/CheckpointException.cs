namespace MambaIR.Checkpoints;

/// <summary>
/// A checkpoint file could not be read or written: not a checkpoint, corrupt, unsupported content, or a requested
/// key is missing. The message always starts with the file's path. (An <see cref="IOException"/>: .NET's
/// <see cref="InvalidDataException"/> is sealed.)
/// </summary>
public class CheckpointException : IOException
{
    /// <summary>Creates the exception; <paramref name="message"/> is prefixed with <paramref name="filePath"/>.</summary>
    public CheckpointException(string filePath, string message, Exception? inner = null)
        : base($"{filePath}: {message}", inner)
    {
        FilePath = filePath;
        Detail = message;
    }

    /// <summary>The checkpoint file concerned.</summary>
    public string FilePath { get; }

    /// <summary>The message without the file prefix.</summary>
    public string Detail { get; }
}

/// <summary>A parameter key asked for (e.g. <c>params_ema</c>) is not in the checkpoint.</summary>
public sealed class CheckpointKeyNotFoundException : CheckpointException
{
    /// <summary>Creates the exception listing what the file does hold.</summary>
    public CheckpointKeyNotFoundException(string filePath, string requestedKey, IReadOnlyList<string> availableKeys, string? hint = null)
        : base(filePath, $"key '{requestedKey}' not found; the checkpoint's top level has "
                         + (availableKeys.Count == 0 ? "no keys" : "keys: " + Describe(availableKeys))
                         + (hint is null ? "" : ". " + hint))
    {
        RequestedKey = requestedKey;
        AvailableKeys = availableKeys;
    }

    /// <summary>The key that was asked for.</summary>
    public string RequestedKey { get; }

    /// <summary>The keys at the checkpoint's top level.</summary>
    public IReadOnlyList<string> AvailableKeys { get; }

    static string Describe(IReadOnlyList<string> keys) =>
        keys.Count <= 12
            ? string.Join(", ", keys.Select(k => $"'{k}'"))
            : string.Join(", ", keys.Take(10).Select(k => $"'{k}'")) + $", ... ({keys.Count} in all)";
}
