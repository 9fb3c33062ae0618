using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MambaIR.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Training.Loop;

/// <summary>The best value of one validation metric so far.</summary>
public sealed record BestMetric(double Value, long Iteration);

/// <summary>
/// A resumable training state, BasicSR's <c>training_states/{iter}.state</c>, stored as a safetensors file:
/// the Adam moments per parameter (<c>optimizer.NAME.exp_avg</c>, <c>optimizer.NAME.exp_avg_sq</c>), torch's CPU
/// generator state (<c>rng.torch_cpu</c>, uint8) and, in the <c>state</c> metadata entry, a JSON record of the
/// iteration, epoch and batch within it (the data stream's position: every sample's randomness follows from the seed,
/// epoch and position), the seed, the optimiser's lr, initial lr and per-parameter step counts, the scheduler's
/// <c>last_epoch</c>, and the best validation values. Doubles are written with round-trip precision, so a resumed run
/// is bit-identical. The weights themselves are in <c>models/net_g_{iter}.pth</c>.
/// </summary>
public sealed record TrainingState
{
    public const string Format = "mambair-training-state/1";

    public required long Iteration { get; init; }
    public required long Epoch { get; init; }
    /// <summary>Batches of <see cref="Epoch"/> already consumed.</summary>
    public required long BatchInEpoch { get; init; }
    public required long Seed { get; init; }
    public required double Lr { get; init; }
    public required long SchedulerLastEpoch { get; init; }
    public required IReadOnlyDictionary<string, (long Step, Tensor ExpAvg, Tensor ExpAvgSq)> Optimizer { get; init; }
    public required Tensor TorchRngState { get; init; }
    public IReadOnlyDictionary<string, BestMetric> Best { get; init; } = new Dictionary<string, BestMetric>();
    public string Name { get; init; } = "";

    /// <summary>Writes the state atomically (temporary file and rename).</summary>
    public void Save(string path)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var steps = new JsonObject();
        foreach (var (name, (step, m, v)) in Optimizer)
        {
            tensors[$"optimizer.{name}.exp_avg"] = m;
            tensors[$"optimizer.{name}.exp_avg_sq"] = v;
            steps[name] = step;
        }
        tensors["rng.torch_cpu"] = TorchRngState;
        var best = new JsonObject();
        foreach (var (k, b) in Best) best[k] = new JsonObject { ["value"] = b.Value, ["iter"] = b.Iteration };
        var json = new JsonObject
        {
            ["name"] = Name, ["iter"] = Iteration, ["epoch"] = Epoch, ["batch_in_epoch"] = BatchInEpoch, ["seed"] = Seed,
            ["optimizer"] = new JsonObject { ["lr"] = Lr, ["steps"] = steps },
            ["scheduler"] = new JsonObject { ["last_epoch"] = SchedulerLastEpoch },
            ["best"] = best,
        };
        SafeTensors.Write(tensors, path, new Dictionary<string, string> { ["format"] = Format, ["state"] = json.ToJsonString() });
    }

    /// <summary>Reads a state written by <see cref="Save"/>; the caller disposes the tensors (<see cref="Dispose"/>).</summary>
    /// <exception cref="InvalidDataException">Not a training state of this format; the message names the file.</exception>
    public static TrainingState Load(string path)
    {
        var meta = SafeTensors.ReadMetadata(path);
        if (!meta.TryGetValue("format", out var f) || f != Format || !meta.TryGetValue("state", out var text))
            throw new InvalidDataException($"{path}: not a MambaIR.NET training state ({Format}); BasicSR's own .state files (torch pickles) cannot be resumed here");
        JsonNode node;
        try { node = JsonNode.Parse(text) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: corrupt training state: {e.Message}", e); }
        var sd = SafeTensors.Read(path);
        try
        {
            long L(JsonNode? n, string what) => n?.GetValue<long>() ?? throw new InvalidDataException($"{path}: training state lacks '{what}'");
            var opt = new Dictionary<string, (long, Tensor, Tensor)>(StringComparer.Ordinal);
            var steps = node["optimizer"]?["steps"]?.AsObject() ?? throw new InvalidDataException($"{path}: training state lacks optimizer steps");
            foreach (var (name, step) in steps)
            {
                var m = sd.Take($"optimizer.{name}.exp_avg") ?? throw new InvalidDataException($"{path}: missing optimizer.{name}.exp_avg");
                var v = sd.Take($"optimizer.{name}.exp_avg_sq") ?? throw new InvalidDataException($"{path}: missing optimizer.{name}.exp_avg_sq");
                opt[name] = (L(step, $"steps.{name}"), m, v);
            }
            var rng = sd.Take("rng.torch_cpu") ?? throw new InvalidDataException($"{path}: missing rng.torch_cpu");
            var best = new Dictionary<string, BestMetric>(StringComparer.Ordinal);
            if (node["best"] is JsonObject bo)
                foreach (var (k, b) in bo) best[k] = new BestMetric(b!["value"]!.GetValue<double>(), b["iter"]!.GetValue<long>());
            return new TrainingState
            {
                Name = node["name"]?.GetValue<string>() ?? "",
                Iteration = L(node["iter"], "iter"), Epoch = L(node["epoch"], "epoch"), BatchInEpoch = L(node["batch_in_epoch"], "batch_in_epoch"),
                Seed = L(node["seed"], "seed"), Lr = node["optimizer"]?["lr"]?.GetValue<double>() ?? throw new InvalidDataException($"{path}: missing lr"),
                SchedulerLastEpoch = L(node["scheduler"]?["last_epoch"], "scheduler.last_epoch"), Optimizer = opt, TorchRngState = rng, Best = best,
            };
        }
        finally { sd.Dispose(); }
    }

    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        foreach (var (_, m, v) in Optimizer.Values) { m.Dispose(); v.Dispose(); }
        TorchRngState.Dispose();
    }

    /// <summary>The iteration a state file is named for (<c>{iter}.state</c>), or null.</summary>
    public static long? IterationOf(string file) =>
        Path.GetExtension(file) == ".state" && long.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out long i) ? i : null;
}
