using System.Collections.Concurrent;
using MambaIR.Data;
using MambaIR.Evaluation;
using MambaIR.Imaging;
using MambaIR.Training.Options;

namespace MambaIR.Training.Data;

/// <summary>
/// The MambaIR fork of BasicSR's <c>PairedImageDataset</c>:
/// <list type="bullet">
/// <item><b>SR</b>: GT from <c>dataroot_gt</c>, LQ from <c>dataroot_lq</c> named <c>filename_tmpl.format(gt_stem) + gt_ext</c>
/// (lists of roots pair up in order), or — when there is no <c>dataroot_lq</c> — HR-only: the GT is mod-cropped to a multiple
/// of the scale and the LQ made with MATLAB's <c>imresize(HR, 1/s, 'bicubic')</c> (<see cref="MatlabBicubic"/>, the uint8
/// path that reproduces prepared <c>LR_bicubic</c> folders bit for bit), computed once per image and cached.</item>
/// <item><b>CAR</b>: grey GT and grey LQ <c>filename_tmpl.format(gt_stem) + '.jpg'</c>.</item>
/// <item><b>denoising_color</b>: LQ = GT + N(0, σ/255) in float, not clipped or quantised; in training the noise is drawn
/// per sample after cropping (the same distribution as the fork's whole-image draw), in validation with numpy's
/// generator re-seeded with 0 per image as the official validation does (<see cref="GaussianNoise"/>).</item>
/// </list>
/// Training samples go through <see cref="PairedTransforms"/> (crop to <c>gt_size</c>, flips/transpose). As Restormer's
/// <c>Dataset_PairedImage</c> (<see cref="DatasetOptions.RestormerPairs"/>, the real-denoising training) pairs smaller
/// than the patch are reflect-padded first and <c>geometric_augs</c> draws one of 8 flips/rotations. Images are
/// listed sorted by name (BasicSR lists in file-system order). <c>io_backend</c> <c>lmdb</c> reads BasicSR LMDBs (keys from
/// <c>meta_info.txt</c>, the same keys in GT and LQ). Every pair is checked when the dataset is opened (missing LQ files,
/// sizes from the headers), so a bad pair fails at the start, naming the files.
/// </summary>
public sealed class PairedImageDataset : ITrainingDataset
{
    sealed record Entry(string Name, string GtPath, string? LqPath, ImageLmdbReader? GtLmdb = null, ImageLmdbReader? LqLmdb = null);

    readonly DatasetOptions _o;
    readonly List<Entry> _entries = [];
    readonly List<ImageLmdbReader> _lmdbs = [];
    readonly ConcurrentDictionary<int, Lazy<RasterImage>> _lrCache = new();
    readonly long _cacheBudget;
    long _cacheBytes;

    /// <summary>Opens the dataset described by <paramref name="options"/>.</summary>
    /// <param name="options">The dataset entry.</param>
    /// <param name="lrCacheBytes">Memory for on-the-fly LR images (HR-only mode); beyond it LR images are recomputed (same values).</param>
    /// <exception cref="DirectoryNotFoundException">A data folder is missing (the message names the key and the folder).</exception>
    /// <exception cref="InvalidDataException">LQ files missing or pairs whose sizes do not fit the scale (all listed).</exception>
    public PairedImageDataset(DatasetOptions options, long lrCacheBytes = 1L << 30)
    {
        _o = options;
        _cacheBudget = lrCacheBytes;
        Channels = options.Task == DegradationTask.JpegArtifactRemoval ? 1 : 3;
        try
        {
            if (options.IoBackend == IoBackend.Lmdb) OpenLmdb();
            else OpenFolders();
        }
        catch { Dispose(); throw; }
        if (_entries.Count == 0) throw new InvalidDataException($"datasets:{options.Key}: no images in {string.Join(", ", options.DatarootGt)}");
    }

    /// <inheritdoc/>
    public string Name => _o.Name;
    /// <inheritdoc/>
    public int Count => _entries.Count;
    /// <inheritdoc/>
    public int Channels { get; }
    /// <summary>True when LR images are made on the fly from HR images.</summary>
    public bool HrOnly => _o.Task == DegradationTask.SuperResolution && _o.DatarootLq == null;
    /// <summary>The options it was opened with.</summary>
    public DatasetOptions Options => _o;

    /// <summary>The image name (GT stem) of sample <paramref name="index"/>.</summary>
    public string NameOf(int index) => _entries[index].Name;

    void OpenFolders()
    {
        var problems = new List<string>();
        for (int r = 0; r < _o.DatarootGt.Count; r++)
        {
            string gtRoot = _o.DatarootGt[r];
            if (!Directory.Exists(gtRoot))
                throw new DirectoryNotFoundException($"datasets:{_o.Key}:dataroot_gt: folder not found: {Path.GetFullPath(gtRoot)}");
            string? lqRoot = _o.DatarootLq?[r];
            if (lqRoot != null && !Directory.Exists(lqRoot))
                throw new DirectoryNotFoundException($"datasets:{_o.Key}:dataroot_lq: folder not found: {Path.GetFullPath(lqRoot)}");
            IEnumerable<string> gts = _o.MetaInfoFile is { } meta ? ReadMetaInfo(meta, gtRoot) : ImageFolder.List(gtRoot);
            foreach (var gt in gts)
            {
                string stem = Path.GetFileNameWithoutExtension(gt);
                string? lq = null;
                if (lqRoot != null)
                {
                    string ext = _o.Task == DegradationTask.JpegArtifactRemoval ? ".jpg" : Path.GetExtension(gt);
                    lq = Path.Combine(lqRoot, _o.FilenameTemplate.Replace("{}", stem, StringComparison.Ordinal) + ext);
                    if (!File.Exists(lq)) { problems.Add($"{gt}: no LQ file {lq} (filename_tmpl '{_o.FilenameTemplate}')"); continue; }
                }
                _entries.Add(new Entry(stem, gt, lq));
            }
        }
        if (problems.Count == 0 && _o.Task != DegradationTask.ColorDenoising) CheckSizes(problems);
        if (problems.Count > 0)
            throw new InvalidDataException($"datasets:{_o.Key}: {problems.Count} problem(s) with the data:\n  " + string.Join("\n  ", problems.Take(20))
                                           + (problems.Count > 20 ? $"\n  ... ({problems.Count - 20} more)" : ""));
    }

    IEnumerable<string> ReadMetaInfo(string file, string gtRoot)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"datasets:{_o.Key}:meta_info_file: not found: {file}", file);
        return File.ReadLines(file).Select(l => l.Trim()).Where(l => l.Length > 0).Select(l => Path.Combine(gtRoot, l.Split(' ')[0])).ToList();
    }

    /// <summary>Checks every pair's sizes from the file headers: training needs GT = LQ × scale exactly (BasicSR's
    /// paired_random_crop), validation accepts a GT up to scale − 1 px larger (cropped top-left).</summary>
    void CheckSizes(List<string> problems)
    {
        int s = _o.Scale;
        foreach (var e in _entries)
        {
            (int W, int H) gt;
            try { gt = ImageFile.ReadSize(e.GtPath); }
            catch (InvalidDataException ex) { problems.Add(ex.Message); continue; }
            if (e.LqPath == null)
            {
                if (gt.W < s || gt.H < s) problems.Add($"{e.GtPath}: {gt.W}×{gt.H} is smaller than the scale ×{s}");
                else if (_o.Phase == "train" && _o.GtSize is int p && (gt.W / s < p / s || gt.H / s < p / s))
                    problems.Add($"{e.GtPath}: {gt.W}×{gt.H} gives an LR smaller than the patch {p / s}×{p / s} (gt_size {p}); remove it or lower gt_size");
                continue;
            }
            (int W, int H) lq;
            try { lq = ImageFile.ReadSize(e.LqPath); }
            catch (InvalidDataException ex) { problems.Add(ex.Message); continue; }
            bool fits = _o.Phase == "train" ? gt.W == lq.W * s && gt.H == lq.H * s : PairedImageFolder.SizesFit(gt.W, gt.H, lq.W, lq.H, s);
            if (!fits)
                problems.Add($"{e.LqPath} is {lq.W}×{lq.H}, so ×{s} needs a GT of {lq.W * s}×{lq.H * s}, but {e.GtPath} is {gt.W}×{gt.H}");
            else if (_o.Phase == "train" && _o.GtSize is int p && !_o.RestormerPairs && (lq.W < p / s || lq.H < p / s))
                problems.Add($"{e.LqPath}: LQ {lq.W}×{lq.H} is smaller than the patch {p / s}×{p / s} (gt_size {p}); remove it or lower gt_size");
        }
    }

    void OpenLmdb()
    {
        var problems = new List<string>();
        for (int r = 0; r < _o.DatarootGt.Count; r++)
        {
            string gtRoot = _o.DatarootGt[r];
            if (!Directory.Exists(gtRoot)) throw new DirectoryNotFoundException($"datasets:{_o.Key}:dataroot_gt: LMDB folder not found: {Path.GetFullPath(gtRoot)}");
            var gt = new ImageLmdbReader(gtRoot);
            _lmdbs.Add(gt);
            ImageLmdbReader? lq = null;
            if (_o.DatarootLq?[r] is { } lqRoot)
            {
                if (!Directory.Exists(lqRoot)) throw new DirectoryNotFoundException($"datasets:{_o.Key}:dataroot_lq: LMDB folder not found: {Path.GetFullPath(lqRoot)}");
                lq = new ImageLmdbReader(lqRoot);
                _lmdbs.Add(lq);
                var a = gt.Keys.ToHashSet(StringComparer.Ordinal);
                var b = lq.Keys.ToHashSet(StringComparer.Ordinal);
                if (!a.SetEquals(b))
                    problems.Add($"{gtRoot} and {lqRoot} have different keys ({a.Except(b).Count()} only in GT, {b.Except(a).Count()} only in LQ); BasicSR pairs LMDBs by key");
                var lqMeta = lq.Entries.ToDictionary(x => x.Key, StringComparer.Ordinal);
                int s = _o.Scale;
                foreach (var g in gt.Entries)
                    if (lqMeta.TryGetValue(g.Key, out var l) && (g.Height != l.Height * s || g.Width != l.Width * s) && _o.Phase == "train")
                        problems.Add($"{gtRoot}[{g.Key}] is {g.Width}×{g.Height}, not ×{s} the LQ {l.Width}×{l.Height}");
            }
            foreach (var key in gt.Keys.OrderBy(k => k, StringComparer.Ordinal))
                _entries.Add(new Entry(key, key, lq != null ? key : null, gt, lq));
        }
        if (problems.Count > 0) throw new InvalidDataException($"datasets:{_o.Key}:\n  " + string.Join("\n  ", problems.Take(20)));
    }

    RasterImage ReadGt(Entry e) => e.GtLmdb is { } db
        ? ImageSourceReader.FromPngBytes(db.ReadBytes(e.GtPath), $"{db.Path}[{e.GtPath}]", Channels)
        : ImageSourceReader.ReadFile(e.GtPath, Channels);

    RasterImage ReadLq(Entry e) => e.LqLmdb is { } db
        ? ImageSourceReader.FromPngBytes(db.ReadBytes(e.LqPath!), $"{db.Path}[{e.LqPath}]", Channels)
        : ImageSourceReader.ReadFile(e.LqPath!, Channels);

    /// <summary>GT and LQ at full size, before any training transform (SR: GT mod-cropped / cropped to LQ × scale).</summary>
    (RasterImage Gt, RasterImage Lq) ReadPair(int index, bool train)
    {
        var e = _entries[index];
        var gt = ReadGt(e);
        int s = _o.Scale;
        switch (_o.Task)
        {
            case DegradationTask.ColorDenoising:
                return (gt, gt);
            case DegradationTask.SuperResolution when e.LqPath == null:
            {
                var hr = BenchmarkBuilder.ModCrop(gt, s);
                return (hr, CachedLr(index, hr));
            }
            default:
            {
                var lq = ReadLq(e);
                if (lq.Width * s > gt.Width || lq.Height * s > gt.Height || (train && (gt.Width != lq.Width * s || gt.Height != lq.Height * s)))
                    throw new InvalidDataException($"{e.LqPath} is {lq.Width}×{lq.Height}, so ×{s} needs a GT of {lq.Width * s}×{lq.Height * s}, but {e.GtPath} is {gt.Width}×{gt.Height}");
                if (!train && (gt.Width != lq.Width * s || gt.Height != lq.Height * s)) gt = gt.Crop(0, 0, lq.Width * s, lq.Height * s);
                return (gt, lq);
            }
        }
    }

    RasterImage CachedLr(int index, RasterImage hr)
    {
        if (_lrCache.TryGetValue(index, out var cached)) return cached.Value;
        long bytes = (long)hr.Pixels.Length / (_o.Scale * _o.Scale) * sizeof(float);
        if (Interlocked.Read(ref _cacheBytes) + bytes > _cacheBudget) return MatlabBicubic.Resize(hr, 1.0 / _o.Scale);
        var mine = new Lazy<RasterImage>(() => MatlabBicubic.Resize(hr, 1.0 / _o.Scale), LazyThreadSafetyMode.ExecutionAndPublication);
        if (_lrCache.TryAdd(index, mine)) Interlocked.Add(ref _cacheBytes, bytes);
        return _lrCache[index].Value;
    }

    /// <inheritdoc/>
    public TrainingSample Load(int index, SampleRandom random)
    {
        if (_o.GtSize is not int gtSize) throw new InvalidOperationException($"datasets:{_o.Key}: gt_size is needed to train on this dataset");
        var (gt, lq) = ReadPair(index, train: true);
        string name = _entries[index].LqPath ?? _entries[index].GtPath;
        int s = _o.Task == DegradationTask.SuperResolution ? _o.Scale : 1;
        if (_o.RestormerPairs)
        {
            // Dataset_PairedImage: pad what is smaller than the patch, crop, then one of the 8 flips/rotations.
            gt = PairedTransforms.PadReflect(gt, gtSize);
            lq = PairedTransforms.PadReflect(lq, gtSize / s);
            (gt, lq) = PairedTransforms.RandomCrop(gt, lq, gtSize, s, random.Python, name);
            if (_o.GeometricAugs)
            {
                int mode = PairedTransforms.DrawGeometricMode(random.Python);
                gt = PairedTransforms.ApplyGeometricMode(gt, mode);
                lq = PairedTransforms.ApplyGeometricMode(lq, mode);
            }
        }
        else
        {
            (gt, lq) = PairedTransforms.RandomCrop(gt, lq, gtSize, s, random.Python, name);
            var aug = PairedTransforms.DrawAugment(_o.UseHflip, _o.UseRot, random.Python);
            gt = PairedTransforms.Apply(gt, aug);
            lq = PairedTransforms.Apply(lq, aug);
        }
        if (_o.Task == DegradationTask.ColorDenoising) lq = GaussianNoise.Apply(gt, _o.Noise, random.NoiseSeed());
        return new TrainingSample(lq.Pixels, gt.Pixels, Channels, lq.Height, lq.Width, gt.Height, gt.Width);
    }

    /// <summary>Sample <paramref name="index"/> for validation: full size, degraded as the official validation does.</summary>
    public ValidationPair LoadValidation(int index)
    {
        var (gt, lq) = ReadPair(index, train: false);
        if (_o.Task == DegradationTask.ColorDenoising) lq = GaussianNoise.Apply(gt, _o.Noise);
        return new ValidationPair(_entries[index].Name, gt, lq);
    }

    /// <summary>Closes the LMDBs.</summary>
    public void Dispose()
    {
        foreach (var l in _lmdbs) l.Dispose();
        _lmdbs.Clear();
    }
}
