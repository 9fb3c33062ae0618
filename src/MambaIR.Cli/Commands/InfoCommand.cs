using System.CommandLine;
using System.Globalization;
using MambaIR.Models;
using MambaIR.Native;

namespace MambaIR.Cli.Commands;

/// <summary>`mambair info MODEL`: what a MambaIR checkpoint is, detected from its keys and shapes alone.</summary>
public sealed class InfoCommand : ICliCommand
{
    public Command Create()
    {
        var model = new Argument<string>("model") { Description = "A MambaIR v1 checkpoint (.pth, .pt, .safetensors)." };
        var paramKey = new Option<string>("--param-key")
        {
            Description = "Top-level key holding the weights: auto (params_ema, else params, else a flat dict) or a key name.",
            DefaultValueFactory = _ => "auto",
        };
        var libtorch = CliOptions.LibTorch();
        var cmd = new Command("info", "Show the architecture of a MambaIR checkpoint: variant, preset, scale, hyper-parameters, parameter count, tasks.")
        {
            model, paramKey, libtorch,
        };
        cmd.SetAction(pr =>
        {
            TorchRuntime.EnsureInitialized(pr.GetValue(libtorch));
            using var loaded = ModelLoader.Load(pr.GetValue(model)!, new ModelLoadOptions { ParamKey = pr.GetValue(paramKey)! });
            Print(loaded);
            return 0;
        });
        return cmd;
    }

    static void Print(LoadedModel m)
    {
        var c = m.Config;
        var d = m.Description;
        static string F(double v) => v.ToString(CultureInfo.InvariantCulture);
        Console.WriteLine($"file:            {m.Source}");
        Console.WriteLine($"variant:         MambaIR v1, {d.Family}");
        Console.WriteLine($"preset match:    {(d.Preset is { } p ? $"{p.Name} ({p.Description})" : "none (custom architecture)")}");
        Console.WriteLine($"scale:           ×{d.Scale}");
        Console.WriteLine($"in_chans:        {c.InChans}");
        Console.WriteLine($"embed_dim:       {c.EmbedDim}");
        Console.WriteLine($"depths:          [{string.Join(", ", c.Depths)}]");
        Console.WriteLine($"d_state:         {c.DState}");
        Console.WriteLine($"expand:          {F(c.MlpRatio)} (mlp_ratio; SS2D width {c.DInner})");
        Console.WriteLine($"upsampler:       '{MambaIRConfig.UpsamplerName(c.Upsampler)}'");
        Console.WriteLine($"resi_connection: {MambaIRConfig.ResiConnectionName(c.ResiConnection)}");
        Console.WriteLine($"CAB:             {d.CabType}");
        Console.WriteLine($"img_range:       {F(c.ImgRange)} (not stored in checkpoints; every official model uses 1)");
        Console.WriteLine($"parameters:      {d.Parameters.ToString("N0", CultureInfo.InvariantCulture)}");
        Console.WriteLine($"tasks:           {string.Join("; ", d.Tasks)}");
        Console.WriteLine($"param key:       {m.ParamKey ?? "(flat state dict)"}");
        Console.WriteLine($"dtype in file:   {string.Join(", ", m.FileDTypes.Select(t => t.ToLowerInvariant()))}");
        foreach (var note in d.Notes) Console.WriteLine($"note:            {note}");
    }
}
