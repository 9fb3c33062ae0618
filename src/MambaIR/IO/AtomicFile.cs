namespace MambaIR.IO;

/// <summary>
/// Writes a file through a temporary sibling (<c>{name}.{pid}.{guid}.tmp</c> in the same folder) and a rename, so a
/// failed or interrupted write never leaves a half file under the final name, and readers see either the old file or
/// the new one. The parent folder is created if needed; the temporary file is removed when the write fails.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes what <paramref name="write"/> puts into the stream, then renames the result to <paramref name="path"/> (replacing it).</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string tmp = full + $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(f);
                f.Flush(flushToDisk: false);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, s => s.Write(bytes));
    }
}
