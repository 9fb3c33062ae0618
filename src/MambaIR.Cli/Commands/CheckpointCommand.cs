using System.CommandLine;
using System.Globalization;
using MambaIR.Checkpoints;
using MambaIR.Native;
using static TorchSharp.torch;

namespace MambaIR.Cli.Commands;

/// <summary>`mambair checkpoint info|convert`: inspect a .pth/.safetensors file, or convert between the formats.</summary>
public sealed class CheckpointCommand : ICliCommand
{
    public Command Create() => new("checkpoint", "Inspect PyTorch (.pth) and safetensors checkpoints, or convert between them.")
    {
        Info(),
        Convert(),
    };

    static Option<string> ParamKey() => new("--param-key")
    {
        Description = "Which weights to read from a .pth: 'auto' (params_ema, else params; unwraps state_dict/model/net_g) or a top-level key.",
        DefaultValueFactory = _ => "auto",
    };

    static Command Info()
    {
        var file = new Argument<string>("file") { Description = "Checkpoint (.pth, .pt, .pth.tar, .ckpt or .safetensors)." };
        var paramKey = ParamKey();
        var keys = new Option<bool>("--keys") { Description = "List every tensor with its shape and dtype." };
        var cmd = new Command("info", "Show what a checkpoint holds: weight group, tensor count, parameters, dtypes.") { file, paramKey, keys };
        cmd.SetAction(pr =>
        {
            TorchRuntime.EnsureInitialized();
            string path = pr.GetValue(file)!;
            using var sd = Checkpoint.Load(path, pr.GetValue(paramKey)!, stripModulePrefix: false);
            Console.WriteLine($"file:        {path}");
            Console.WriteLine($"weights:     {(sd.ParamKey is null ? "top level (flat state dict)" : $"'{sd.ParamKey}'")}");
            Console.WriteLine($"tensors:     {sd.Count}");
            Console.WriteLine($"elements:    {sd.NumElements.ToString("N0", CultureInfo.InvariantCulture)}");
            Console.WriteLine($"dtypes:      {string.Join(", ", sd.Values.GroupBy(t => t.dtype).Select(g => $"{g.Key} x{g.Count()}"))}");
            int prefixed = sd.Keys.Count(k => k.StartsWith("module.", StringComparison.Ordinal));
            if (prefixed > 0) Console.WriteLine($"note:        {prefixed} keys start with 'module.' (DataParallel); loading strips it");
            if (pr.GetValue(keys))
                foreach (var (name, t) in sd)
                    Console.WriteLine($"  {name,-60} {t.dtype,-9} [{string.Join(", ", t.shape)}]");
            return 0;
        });
        return cmd;
    }

    static Command Convert()
    {
        var input = new Argument<string>("input") { Description = "Checkpoint to read (.pth or .safetensors)." };
        var output = new Argument<string>("output") { Description = "File to write: .safetensors writes safetensors, anything else a PyTorch .pth." };
        var paramKey = ParamKey();
        var dtype = new Option<string>("--dtype")
        {
            Description = "Convert floating-point tensors: keep, float32, float16, bfloat16 or float64.",
            DefaultValueFactory = _ => "keep",
        };
        dtype.AcceptOnlyFromAmong("keep", "float32", "float16", "bfloat16", "float64");
        var wrapKey = new Option<string>("--wrap-key")
        {
            Description = "For .pth output: the key holding the weights ({'params': ...} like BasicSR), or 'none' for a bare state dict.",
            DefaultValueFactory = _ => "params",
        };
        var cmd = new Command("convert", "Convert a checkpoint between PyTorch .pth and safetensors (optionally changing float precision).")
        {
            input, output, paramKey, dtype, wrapKey,
        };
        cmd.SetAction(pr =>
        {
            TorchRuntime.EnsureInitialized();
            string src = pr.GetValue(input)!, dst = pr.GetValue(output)!;
            if (Path.GetFullPath(src) == Path.GetFullPath(dst))
                throw new ArgumentException($"input and output are the same file: {src}");
            using var sd = Checkpoint.Load(src, pr.GetValue(paramKey)!);
            string dt = pr.GetValue(dtype)!;
            if (dt != "keep")
                sd.To(dt switch { "float32" => ScalarType.Float32, "float16" => ScalarType.Float16, "bfloat16" => ScalarType.BFloat16, _ => ScalarType.Float64 });
            if (dst.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                Checkpoint.SaveSafetensors(sd, dst, new Dictionary<string, string> { ["format"] = "pt" });
            else
            {
                string wk = pr.GetValue(wrapKey)!;
                Checkpoint.SavePth(sd, dst, wk == "none" ? null : wk);
            }
            Console.WriteLine($"wrote {dst}: {sd.Count} tensors, {sd.NumElements.ToString("N0", CultureInfo.InvariantCulture)} elements");
            return 0;
        });
        return cmd;
    }
}
