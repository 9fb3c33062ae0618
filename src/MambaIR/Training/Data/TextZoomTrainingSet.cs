using MambaIR.Text;

namespace MambaIR.Training.Data;

/// <summary>
/// <see cref="TextZoomDataset"/> as a training set: each pair is the whole 64×16 LR / 128×32 HR (no crop, no
/// augmentation, as TSRN-style training uses TextZoom). A sample the reader rejects (label outside the alphabet with
/// <c>label_policy: reject</c>, an undecodable image) is replaced by the next usable index, deterministically, and
/// listed once in <see cref="Replaced"/>.
/// </summary>
public sealed class TextZoomTrainingSet : ITrainingDataset
{
    readonly TextZoomDataset _data;
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _replaced = new();

    public TextZoomTrainingSet(TextZoomDatasetOptions options)
    {
        foreach (var root in options.Roots)
            if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"TextZoom LMDB folder not found: {Path.GetFullPath(root)}");
        _data = new TextZoomDataset(options);
        if (_data.Count == 0) throw new InvalidDataException($"TextZoom data {string.Join(", ", options.Roots)} has no samples");
    }

    /// <inheritdoc/>
    public string Name => _data.Name;
    /// <inheritdoc/>
    public int Count => _data.Count;
    /// <inheritdoc/>
    public int Channels => _data.Channels;
    /// <summary>Samples that were replaced, with the reason.</summary>
    public IReadOnlyDictionary<string, string> Replaced => _replaced;

    /// <inheritdoc/>
    public TrainingSample Load(int index, SampleRandom random)
    {
        for (int k = 0; k < Math.Min(Count, 1000); k++)
        {
            int i = (index + k) % Count;
            try
            {
                using var item = _data.Get(i);
                return new TrainingSample(item.Lq.data<float>().ToArray(), item.Gt.data<float>().ToArray(), Channels,
                    (int)item.Lq.shape[1], (int)item.Lq.shape[2], (int)item.Gt.shape[1], (int)item.Gt.shape[2]);
            }
            catch (TextZoomSampleException e) { _replaced.TryAdd(e.SampleId, e.Message); }
        }
        throw new InvalidDataException($"TextZoom {Name}: no usable sample near index {index} (every one of 1000 consecutive samples was rejected)");
    }

    public void Dispose() => _data.Dispose();
}
