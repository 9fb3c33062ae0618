using System.Collections;
using System.Diagnostics.CodeAnalysis;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Checkpoints;

/// <summary>
/// An ordered name → tensor map that owns its tensors: <see cref="Dispose"/> disposes them. Enumeration follows
/// insertion order, which for a loaded checkpoint is the order of the file. Tensors are detached from any
/// <see cref="DisposeScope"/> when added, so a scope around loading does not free them.
/// </summary>
public sealed class StateDict : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    readonly List<string> _keys = new();
    readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);
    bool _disposed;

    /// <summary>Creates an empty state dict; <paramref name="source"/> names where it came from (a file path).</summary>
    public StateDict(string? source = null) => Source = source;

    /// <summary>The file it was read from, or null.</summary>
    public string? Source { get; }

    /// <summary>For a loaded checkpoint: the key whose dict held the tensors (e.g. <c>params_ema</c>, or
    /// <c>state_dict</c>), or null when the file is a flat state dict.</summary>
    public string? ParamKey { get; internal set; }

    /// <summary>Number of tensors.</summary>
    public int Count => _keys.Count;

    /// <summary>Names in order.</summary>
    public IEnumerable<string> Keys => _keys;

    /// <summary>Tensors in order.</summary>
    public IEnumerable<Tensor> Values => _keys.Select(k => _tensors[k]);

    /// <summary>Total number of elements over all tensors (the parameter count when all tensors are parameters).</summary>
    public long NumElements => _tensors.Values.Sum(t => t.numel());

    /// <summary>The tensor named <paramref name="key"/>; throws <see cref="KeyNotFoundException"/> naming the key and source.</summary>
    public Tensor this[string key] => _tensors.TryGetValue(key, out var t) ? t
        : throw new KeyNotFoundException($"tensor '{key}' not found in {Source ?? "state dict"}");

    /// <summary>Adds a tensor, taking ownership of it. Throws if the name is already present.</summary>
    public void Add(string name, Tensor tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tensor);
        if (_tensors.ContainsKey(name)) throw new ArgumentException($"duplicate tensor name '{name}'", nameof(name));
        tensor.DetachFromDisposeScope();
        _keys.Add(name);
        _tensors[name] = tensor;
    }

    /// <summary>Removes a tensor and hands ownership to the caller; returns null when absent.</summary>
    public Tensor? Take(string name)
    {
        if (!_tensors.Remove(name, out var t)) return null;
        _keys.Remove(name);
        return t;
    }

    /// <summary>Renames every key that starts with <paramref name="prefix"/> to the rest of it; returns how many changed.
    /// Throws if that would make two keys equal.</summary>
    public int StripPrefix(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var renamed = _keys.Select(k => k.StartsWith(prefix, StringComparison.Ordinal) ? k[prefix.Length..] : k).ToList();
        var clash = renamed.GroupBy(k => k).FirstOrDefault(g => g.Count() > 1);
        if (clash != null)
            throw new InvalidOperationException($"removing prefix '{prefix}' from the keys of {Source ?? "the state dict"} would give '{clash.Key}' twice");
        int changed = 0;
        var tensors = _keys.Select(k => _tensors[k]).ToList();
        _tensors.Clear();
        for (int i = 0; i < _keys.Count; i++)
        {
            if (_keys[i] != renamed[i]) changed++;
            _keys[i] = renamed[i];
            _tensors[renamed[i]] = tensors[i];
        }
        return changed;
    }

    /// <summary>
    /// Converts every floating-point tensor to <paramref name="floatingType"/> and moves every tensor to
    /// <paramref name="device"/> (when given), in place. Integer and bool tensors keep their dtype. Returns this.
    /// </summary>
    public StateDict To(ScalarType floatingType, Device? device = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (floatingType is not (ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"{floatingType} is not a floating-point dtype", nameof(floatingType));
        foreach (var key in _keys)
        {
            var t = _tensors[key];
            Tensor converted = t.is_floating_point() ? t.to(floatingType, device ?? t.device) : device is null ? t : t.to(device);
            if (ReferenceEquals(converted, t) || converted.Handle == t.Handle) continue;
            converted.DetachFromDisposeScope();
            _tensors[key] = converted;
            t.Dispose();
        }
        return this;
    }

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _tensors.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out Tensor value) => _tensors.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() =>
        _keys.Select(k => new KeyValuePair<string, Tensor>(k, _tensors[k])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Disposes every tensor.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
        _keys.Clear();
    }

    /// <inheritdoc/>
    public override string ToString() => $"StateDict({Count} tensors, {NumElements} elements{(Source is null ? "" : ", " + Source)})";
}
