using System.Diagnostics;
using MambaIR.Checkpoints;
using MambaIR.Models;
using Xunit.Abstractions;

namespace MambaIR.Tests.Checkpoints;

/// <summary>
/// Seeded fuzzing of the checkpoint readers: the small reference-vector checkpoints (torch zip .pth), safetensors
/// files made from them and the pre-1.6 legacy fixture are truncated, bit-flipped (anywhere and in the first 512 bytes)
/// and spliced. Each mangled file must load (model checkpoints through <see cref="ModelLoader"/>, giving the original's
/// keys and shapes) or fail with a <see cref="CheckpointException"/> naming it; never another exception, never more than
/// 10 s. The counts are printed.
/// </summary>
[Collection("torch")]
public class CheckpointFuzzTests(ITestOutputHelper output) : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("ckpt-fuzz");
    public void Dispose() => Directory.Delete(_dir, recursive: true);
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    const int Cases = 128;

    sealed record Source(string Name, byte[] Bytes, string Extension, bool IsModel, Dictionary<string, long[]> Shapes);

    static Dictionary<string, long[]> ShapesOf(StateDict sd) => sd.Keys.ToDictionary(k => k, k => sd[k].shape);

    List<Source> Sources()
    {
        var list = new List<Source>();
        foreach (var name in new[] { "v1_light_x3.pth", "v1_dn_gray.pth" })
        {
            string path = Path.Combine(TestPaths.RefVec, name);
            using var sd = Checkpoint.Load(path);
            list.Add(new Source(name, File.ReadAllBytes(path), ".pth", true, ShapesOf(sd)));
            string st = Path.Combine(_dir, Path.ChangeExtension(name, ".safetensors"));
            Checkpoint.SaveSafetensors(sd, st);
            list.Add(new Source(Path.GetFileName(st), File.ReadAllBytes(st), ".safetensors", true, ShapesOf(sd)));
        }
        string legacy = Path.Combine(TestPaths.RepoRoot, "tests", "MambaIR.Tests", "Checkpoints", "Fixtures", "legacy.pth");
        using (var sd = Checkpoint.Load(legacy))
            list.Add(new Source("legacy.pth", File.ReadAllBytes(legacy), ".pth", false, ShapesOf(sd)));
        return list;
    }

    [Fact]
    public async Task MangledCheckpointsAreNamedErrorsOrCorrectLoads()
    {
        var watch = Stopwatch.StartNew();
        var sources = Sources();
        var rng = new Random(20240607);
        int errors = 0, loads = 0;
        var problems = new List<string>();
        var byKind = new Dictionary<string, (int Errors, int Loads)>();
        for (int n = 0; n < Cases; n++)
        {
            var src = sources[n % sources.Count];
            byte[] f = src.Bytes, data;
            string kind;
            switch (n / sources.Count % 4)
            {
                case 0:
                    kind = "truncated";
                    data = f[..rng.Next(f.Length)];
                    break;
                case 1:
                    kind = "bit flips";
                    data = Flip(f, f.Length, 1 + rng.Next(4), rng);
                    break;
                case 2:
                    kind = "header flips";
                    data = Flip(f, Math.Min(f.Length, 512), 1 + rng.Next(2), rng);
                    break;
                default:
                {
                    kind = "spliced";
                    var other = sources.Where(s => s.Extension == src.Extension && s != src).Select(s => s.Bytes).FirstOrDefault() ?? f;
                    int cut = rng.Next(1, f.Length), from = Math.Clamp(cut + rng.Next(-4096, 4097), 1, other.Length - 1);
                    data = [.. f[..cut], .. other[from..]];
                    break;
                }
            }
            string path = Path.Combine(_dir, $"case{n:D3}-{kind.Replace(' ', '-')}-{Path.GetFileNameWithoutExtension(src.Name)}{src.Extension}");
            File.WriteAllBytes(path, data);
            var task = Task.Run(() =>
            {
                if (src.IsModel)
                {
                    using var model = ModelLoader.Load(path);
                    return model.Model!.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
                }
                using var sd = Checkpoint.Load(path);
                return ShapesOf(sd);
            });
            if (await Task.WhenAny(task, Task.Delay(Limit)) != task) { problems.Add($"{path}: no result within {Limit.TotalSeconds} s"); continue; }
            byKind.TryGetValue(kind, out var k0);
            if (task.IsFaulted)
            {
                var e = task.Exception!.InnerException!;
                if (e is CheckpointException ce && ce.FilePath == path && e.Message.StartsWith(path + ": ", StringComparison.Ordinal))
                {
                    errors++;
                    byKind[kind] = (k0.Errors + 1, k0.Loads);
                }
                else problems.Add($"{path}: {e.GetType().Name}: {e.Message}");
            }
            else
            {
                loads++;
                byKind[kind] = (k0.Errors, k0.Loads + 1);
                var shapes = await task;
                bool same = shapes.Count == src.Shapes.Count && shapes.All(kv => src.Shapes.TryGetValue(kv.Key, out var s) && s.SequenceEqual(kv.Value));
                // a flipped key name or value in a format without checksums gives another valid file; a cut never may
                if (!same && (kind == "truncated" || src.IsModel))
                    problems.Add($"{path}: loaded with other keys or shapes than {src.Name}");
            }
            File.Delete(path);
        }
        output.WriteLine($"checkpoints: {Cases} cases from {sources.Count} files, {errors} named errors, {loads} loaded; "
                         + string.Join(", ", byKind.OrderBy(k => k.Key).Select(k => $"{k.Key}: {k.Value.Errors} errors / {k.Value.Loads} loaded"))
                         + $"; {watch.Elapsed.TotalSeconds:F1} s");
        foreach (var p in problems) output.WriteLine("  PROBLEM " + p);
        Assert.Empty(problems);
        Assert.True(errors > Cases / 4, $"only {errors} of {Cases} mangled checkpoints were rejected");
    }

    static byte[] Flip(byte[] f, int range, int flips, Random rng)
    {
        var d = (byte[])f.Clone();
        for (int k = 0; k < flips; k++) d[rng.Next(range)] ^= (byte)(1 << rng.Next(8));
        return d;
    }
}
