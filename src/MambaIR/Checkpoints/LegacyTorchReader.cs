namespace MambaIR.Checkpoints;

/// <summary>Reader for PyTorch's legacy (torch &lt; 1.6, non-zip) checkpoint format.</summary>
internal static class LegacyTorchReader
{
    public static StateDict Load(string path, string paramKey) =>
        throw new CheckpointException(path, "this is PyTorch's legacy (pre-1.6, non-zip) checkpoint format, which is not supported yet; " +
                                            "convert it in Python with torch.save(torch.load(path), path, _use_new_zipfile_serialization=True)");
}
