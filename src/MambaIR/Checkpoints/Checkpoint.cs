using MambaIR.Checkpoints.Pickle;
using static TorchSharp.torch;

namespace MambaIR.Checkpoints;

/// <summary>
/// Reads and writes model checkpoints without Python: PyTorch <c>.pth/.pt/.pth.tar/.ckpt</c> files (zip format of
/// torch ≥ 1.6 and the older legacy format) and safetensors. The format is told from the file's first bytes.
/// </summary>
public static class Checkpoint
{
    /// <summary>
    /// Loads the tensors of a checkpoint, in file order, keeping their dtypes (float16 stays float16). Views with any
    /// strides and offsets are read with as_strided semantics and returned contiguous; tensors never share memory.
    /// Other content (optimizer state, epoch, argparse/numpy objects) is skipped without being read; a whole pickled
    /// <c>nn.Module</c> (<c>torch.save(model)</c>) loads as its <c>state_dict()</c>.
    /// </summary>
    /// <param name="path">A PyTorch or safetensors file.</param>
    /// <param name="paramKey"><c>"auto"</c>: BasicSR's <c>params_ema</c> if present, else <c>params</c>; also unwraps
    /// <c>state_dict</c>, <c>model</c>, <c>net_g</c> (or takes the only dict of tensors under another name); a flat
    /// dict of tensors is used as is. Any other value names the top-level key holding the tensors (e.g.
    /// <c>"params"</c>); a missing key is an error that lists the keys present. Ignored for safetensors files, which
    /// are flat. <see cref="StateDict.ParamKey"/> tells which key was used.</param>
    /// <param name="stripModulePrefix">Remove a leading <c>module.</c> (left by DataParallel) from every key.</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="CheckpointException">Not a checkpoint, corrupt, unsupported content or missing key; the message names the file.</exception>
    public static StateDict Load(string path, string paramKey = StateDictSelector.Auto, bool stripModulePrefix = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(paramKey);
        var sd = CheckpointFormatDetector.Detect(path) switch
        {
            CheckpointFormat.SafeTensors => SafeTensors.Read(path),
            CheckpointFormat.TorchZip => LoadTorchZip(path, paramKey),
            _ => LegacyTorchReader.Load(path, paramKey),
        };
        try
        {
            if (sd.Count == 0) throw new CheckpointException(path, "no tensors found");
            if (stripModulePrefix) StripModulePrefix(sd, path);
            return sd;
        }
        catch
        {
            sd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="sd"/> as a PyTorch zip checkpoint that <c>torch.load</c> reads (format version 3, pickle
    /// protocol 2, one 64-byte-aligned storage per tensor, little-endian), as <c>{wrapKey: OrderedDict(...)}</c> like
    /// BasicSR's <c>{'params': ...}</c>, or as the bare OrderedDict when <paramref name="wrapKey"/> is null.
    /// Tensors are written contiguous, from CPU, in their dtype. The file is replaced atomically.
    /// </summary>
    public static void SavePth(StateDict sd, string path, string? wrapKey = "params")
    {
        ArgumentNullException.ThrowIfNull(sd);
        ArgumentException.ThrowIfNullOrEmpty(path);
        TorchZipWriter.Save(sd.ToList(), path, wrapKey);
    }

    /// <summary>
    /// Writes several named state dicts in one PyTorch zip checkpoint, <c>{key: OrderedDict(...), ...}</c>, as BasicSR's
    /// <c>save_network</c> does for <c>{'params': ..., 'params_ema': ...}</c>. Replaced atomically.
    /// </summary>
    public static void SavePth(IReadOnlyList<(string Key, IReadOnlyList<KeyValuePair<string, Tensor>> Tensors)> groups, string path)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentException.ThrowIfNullOrEmpty(path);
        TorchZipWriter.SaveGroups(groups, path);
    }

    /// <summary>Writes tensors as safetensors (see <see cref="SafeTensors.Write"/>).</summary>
    public static void SaveSafetensors(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SafeTensors.Write(tensors, path, metadata);
    }

    static void StripModulePrefix(StateDict sd, string path)
    {
        try { sd.StripPrefix(StateDictKeys.ModulePrefix); }
        catch (InvalidOperationException e) { throw new CheckpointException(path, e.Message, e); }
    }

    static StateDict LoadTorchZip(string path, string paramKey)
    {
        var (reader, root) = TorchZipReader.Open(path);
        using (reader) return Materialize(path, root, paramKey, reader);
    }

    /// <summary>Selects the tensor dict in <paramref name="root"/> and reads its tensors from <paramref name="source"/>.</summary>
    internal static StateDict Materialize(string path, object? root, string paramKey, IStorageSource source)
    {
        var (dict, key) = StateDictSelector.Select(path, root, paramKey);
        var entries = new List<(string Name, TensorRecord Record)>();
        foreach (var (k, v) in dict.Items)
        {
            string name = k as string ?? PickleFormat.Describe(k);
            switch (v)
            {
                case TensorRecord r: entries.Add((name, r)); break;
                case UnsupportedTensor u:
                    throw new CheckpointException(path, $"tensor '{name}' is stored with {u.Rebuild}, which is not supported (quantized, sparse or exotic dtype)");
                // Non-tensor entries (e.g. an int step counter) are not part of the weights.
            }
        }
        var sd = new StateDict(path) { ParamKey = key };
        try
        {
            using var materializer = new TensorMaterializer(path, source, entries.Select(e => e.Record));
            foreach (var (name, record) in entries) sd.Add(name, materializer.Materialize(name, record));
            return sd;
        }
        catch
        {
            sd.Dispose();
            throw;
        }
    }
}
