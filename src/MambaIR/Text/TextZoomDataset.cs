using MambaIR.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Text;

/// <summary>
/// TextZoom pairs as a BasicSR-style dataset (JasonBoy1/TextZoom <c>lmdbDataset_real</c> + <c>alignCollate_real</c>):
/// each sample is decoded to RGB, resized with Pillow-exact BICUBIC to 128×32 (HR) and 64×16 (LR), converted to
/// float32 [0,1] CHW, optionally with the TSRN mask channel; the label is checked against the alphabet. No crop or
/// augmentation (the whole 64×16 input is the training patch). Several LMDBs are concatenated (train1 + train2).
/// Unusable samples raise <see cref="TextZoomSampleException"/>; <see cref="Batches"/> skips them and records them in
/// <see cref="Skipped"/>.
/// </summary>
public sealed class TextZoomDataset : IDisposable
{
    readonly TextZoomLmdb[] _lmdbs;
    readonly string[] _subsetNames;
    readonly int[] _offsets;
    readonly List<(string SampleId, string Reason)> _skipped = [];

    /// <summary>The options it was opened with.</summary>
    public TextZoomDatasetOptions Options { get; }

    /// <summary>Dataset name (e.g. <c>easy</c>).</summary>
    public string Name { get; }

    /// <summary>Total number of samples (sum of <c>num-samples</c>).</summary>
    public int Count { get; }

    /// <summary>Channels of the returned tensors: 3, or 4 with the mask.</summary>
    public int Channels => Options.Mask ? 4 : 3;

    /// <summary>Samples skipped so far by <see cref="Batches"/>, with the reason (thread-safe snapshot).</summary>
    public IReadOnlyList<(string SampleId, string Reason)> Skipped { get { lock (_skipped) return _skipped.ToArray(); } }

    /// <summary>Opens every root LMDB.</summary>
    public TextZoomDataset(TextZoomDatasetOptions options)
    {
        if (options.Roots.Count == 0) throw new ArgumentException("TextZoomDataset: no LMDB given");
        Options = options;
        _lmdbs = new TextZoomLmdb[options.Roots.Count];
        try { for (int i = 0; i < _lmdbs.Length; i++) _lmdbs[i] = new TextZoomLmdb(options.Roots[i]); }
        catch { foreach (var l in _lmdbs) l?.Dispose(); throw; }
        _subsetNames = _lmdbs.Select(l => SubsetName(l.Path)).ToArray();
        Name = options.Name ?? string.Join("+", _subsetNames);
        _offsets = new int[_lmdbs.Length + 1];
        for (int i = 0; i < _lmdbs.Length; i++) _offsets[i + 1] = _offsets[i] + _lmdbs[i].Count;
        Count = _offsets[^1];
    }

    /// <summary>Opens a single LMDB with default options.</summary>
    public static TextZoomDataset Open(string root, bool mask = false, TextZoomLabelPolicy labels = TextZoomLabelPolicy.Reject) =>
        new(new TextZoomDatasetOptions { Roots = [root], Mask = mask, LabelPolicy = labels });

    /// <summary>Identifier of sample <paramref name="index"/> (0-based over the concatenation): <c>subset/%09d</c> with the 1-based key index.</summary>
    public string SampleId(int index)
    {
        var (lmdb, local) = Locate(index);
        return $"{_subsetNames[lmdb]}/{local:D9}";
    }

    /// <summary>Loads and prepares sample <paramref name="index"/> (0-based). Throws <see cref="TextZoomSampleException"/> for an unusable sample.</summary>
    public TextZoomItem Get(int index)
    {
        var (lmdb, local) = Locate(index);
        string id = $"{_subsetNames[lmdb]}/{local:D9}";
        TextZoomRecord rec;
        try { rec = _lmdbs[lmdb].Read(local); }
        catch (InvalidDataException e) { throw new TextZoomSampleException(id, e.Message, e); }
        string label = CheckLabel(id, rec.Label);
        Rgb8Image hr = Decode(id, rec.HighRes, "HR"), lr = Decode(id, rec.LowRes, "LR");
        var (hw, hh) = Options.HighResSize;
        var (lw, lh) = Options.LowResSize;
        return new TextZoomItem(Prepare(lr.ResizePillowBicubic(lw, lh)), Prepare(hr.ResizePillowBicubic(hw, hh)), label, id);
    }

    /// <summary>
    /// Iterates collated batches. With <paramref name="shuffle"/> the order is a permutation drawn from
    /// <c>new Random(seed + epoch)</c> (deterministic for a seed and epoch; a different epoch gives a different order).
    /// Unusable samples are skipped and recorded in <see cref="Skipped"/>; <paramref name="dropLast"/> drops a final short batch.
    /// </summary>
    public IEnumerable<TextZoomBatch> Batches(int batchSize, bool shuffle = false, int seed = 0, int epoch = 0, bool dropLast = false)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be positive");
        int[] order = Order(shuffle, seed, epoch);
        var items = new List<TextZoomItem>(batchSize);
        foreach (int i in order)
        {
            try { items.Add(Get(i)); }
            catch (TextZoomSampleException e) { lock (_skipped) _skipped.Add((e.SampleId, e.Message)); continue; }
            if (items.Count == batchSize) { yield return Collate(items); items.Clear(); }
        }
        if (items.Count > 0 && !dropLast) yield return Collate(items);
        else foreach (var it in items) it.Dispose();
    }

    /// <summary>The sample order for an epoch: identity, or a Fisher–Yates permutation from <c>new Random(seed + epoch)</c>.</summary>
    public int[] Order(bool shuffle, int seed, int epoch)
    {
        int[] order = Enumerable.Range(0, Count).ToArray();
        if (shuffle) new Random(unchecked(seed + epoch)).Shuffle(order);
        return order;
    }

    static TextZoomBatch Collate(List<TextZoomItem> items)
    {
        var lq = torch.stack(items.Select(i => i.Lq).ToArray());
        var gt = torch.stack(items.Select(i => i.Gt).ToArray());
        var batch = new TextZoomBatch(lq, gt, items.Select(i => i.Label).ToArray(), items.Select(i => i.LqPath).ToArray());
        foreach (var it in items) it.Dispose();
        return batch;
    }

    Tensor Prepare(Rgb8Image img)
    {
        var rgb = img.ToTensor();
        if (!Options.Mask) return rgb;
        using var mask = TextZoomMask.Compute(img);
        using var r = rgb;
        return torch.cat([r, mask], 0);
    }

    string CheckLabel(string id, string raw)
    {
        string filtered = TextNormalizer.All(raw);
        if (filtered.Length != raw.Length && Options.LabelPolicy == TextZoomLabelPolicy.Reject)
        {
            var bad = string.Concat(raw.Where(c => TextNormalizer.All(c.ToString()).Length == 0).Distinct());
            throw new TextZoomSampleException(id, $"label '{raw}' has characters outside [0-9a-zA-Z] and ASCII punctuation: '{bad}'");
        }
        if (filtered.Length == 0) throw new TextZoomSampleException(id, $"label '{raw}' is empty after filtering");
        if (filtered.Length > Options.MaxLabelLength) throw new TextZoomSampleException(id, $"label longer than {Options.MaxLabelLength} characters");
        return filtered;
    }

    static Rgb8Image Decode(string id, byte[] bytes, string which)
    {
        try { return Rgb8Image.Decode(bytes, $"{id} {which}"); }
        catch (InvalidDataException e) { throw new TextZoomSampleException(id, $"{which} image: {e.InnerException?.Message ?? e.Message}", e); }
    }

    (int Lmdb, int Local) Locate(int index)
    {
        if (index < 0 || index >= Count) throw new ArgumentOutOfRangeException(nameof(index), $"{Name}: index {index} outside 0..{Count - 1}");
        int l = 0;
        while (index >= _offsets[l + 1]) l++;
        return (l, index - _offsets[l] + 1);
    }

    /// <summary>The last folder name (<c>test/easy</c> → <c>easy</c>), without a <c>.lmdb</c> suffix.</summary>
    static string SubsetName(string path)
    {
        string n = System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(path));
        return n.EndsWith(".lmdb", StringComparison.OrdinalIgnoreCase) ? n[..^5] : n;
    }

    /// <summary>Closes the LMDBs.</summary>
    public void Dispose() { foreach (var l in _lmdbs) l.Dispose(); }
}
