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
        var model = new Argument<string>("model") { Description = "A MambaIR v1 checkpoint (.pth, .pt, .safetensors), a bundled model or a preset name." };
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
            using var loaded = ModelFactory.Create(pr.GetValue(model)!, new ModelRequest { ParamKey = pr.GetValue(paramKey)! });
            if (loaded.IsBaseline) throw new ArgumentException($"{pr.GetValue(model)} is a baseline without weights; info describes networks");
            Console.Write(Describe(loaded));
            return 0;
        });
        return cmd;
    }

    /// <summary>The report printed by <c>mambair info</c>, one "name: value" line per property.</summary>
    public static string Describe(ModelDescriptor m)
    {
        var w = new StringWriter { NewLine = "\n" };
        var c = m.Config!;
        var d = m.Architecture!;
        static string F(double v) => v.ToString(CultureInfo.InvariantCulture);
        w.WriteLine($"file:            {m.Source ?? "(none: untrained preset)"}");
        w.WriteLine($"purpose:         {m.Purpose.Describe(m.Scale)}");
        w.WriteLine($"variant:         MambaIR v1, {d.Family}");
        w.WriteLine($"preset match:    {(d.Preset is { } p ? $"{p.Name} ({p.Description})" : "none (custom architecture)")}");
        w.WriteLine($"scale:           ×{d.Scale}");
        w.WriteLine($"in_chans:        {c.InChans}");
        w.WriteLine($"embed_dim:       {c.EmbedDim}");
        w.WriteLine($"depths:          [{string.Join(", ", c.Depths)}]");
        w.WriteLine($"d_state:         {c.DState}");
        w.WriteLine($"expand:          {F(c.MlpRatio)} (mlp_ratio; SS2D width {c.DInner})");
        w.WriteLine($"upsampler:       '{MambaIRConfig.UpsamplerName(c.Upsampler)}'");
        w.WriteLine($"resi_connection: {MambaIRConfig.ResiConnectionName(c.ResiConnection)}");
        w.WriteLine($"CAB:             {d.CabType}");
        w.WriteLine($"img_range:       {F(c.ImgRange)} (not stored in checkpoints; every official model uses 1)");
        w.WriteLine($"parameters:      {d.Parameters.ToString("N0", CultureInfo.InvariantCulture)}");
        w.WriteLine($"tasks:           {string.Join("; ", d.Tasks)}");
        w.WriteLine($"param key:       {m.ParamKey ?? "(flat state dict)"}");
        w.WriteLine($"dtype in file:   {string.Join(", ", m.FileDTypes.Select(t => t.ToLowerInvariant()))}");
        foreach (var note in d.Notes) w.WriteLine($"note:            {note}");
        return w.ToString();
    }
}
