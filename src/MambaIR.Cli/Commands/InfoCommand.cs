using System.CommandLine;
using System.Globalization;
using MambaIR.Models;
using MambaIR.Models.UNet;
using MambaIR.Models.V2;
using MambaIR.Native;

namespace MambaIR.Cli.Commands;

/// <summary>`mambair info MODEL`: what a checkpoint (MambaIR v1, MambaIRv2 / v2-light, the real-denoising U-Net) is, detected from its keys and shapes alone.</summary>
public sealed class InfoCommand : ICliCommand
{
    public Command Create()
    {
        var model = new Argument<string>("model") { Description = "A MambaIR, MambaIRv2 or MambaIR U-Net checkpoint (.pth, .pt, .safetensors), a bundled model or a preset name." };
        var paramKey = new Option<string>("--param-key")
        {
            Description = "Top-level key holding the weights: auto (params_ema, else params, else a flat dict) or a key name.",
            DefaultValueFactory = _ => "auto",
        };
        var libtorch = CliOptions.LibTorch();
        var cmd = new Command("info", "Show the architecture of a MambaIR / MambaIRv2 / U-Net checkpoint: family, variant, preset, scale, hyper-parameters, parameter count, tasks.")
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
        var d = m.Architecture!;
        w.WriteLine($"file:            {m.Source ?? "(none: untrained preset)"}");
        w.WriteLine($"purpose:         {m.Purpose.Describe(m.Scale)}");
        switch (m.Network)
        {
            case MambaIRv2Config v2: DescribeV2(w, v2, d); break;
            case MambaIRUNetConfig unet: DescribeUNet(w, unet, d); break;
            default: DescribeV1(w, m.Config!, d); break;
        }
        w.WriteLine($"parameters:      {d.Parameters.ToString("N0", CultureInfo.InvariantCulture)}");
        w.WriteLine($"tasks:           {string.Join("; ", d.Tasks)}");
        w.WriteLine($"param key:       {m.ParamKey ?? "(flat state dict)"}");
        w.WriteLine($"dtype in file:   {string.Join(", ", m.FileDTypes.Select(t => t.ToLowerInvariant()))}");
        foreach (var note in d.Notes) w.WriteLine($"note:            {note}");
        return w.ToString();
    }

    static string F(double v) => v.ToString(CultureInfo.InvariantCulture);

    static string PresetLine(ModelDescription d) => d.NetworkPreset is { } p ? $"{p.Name} ({p.Description})" : "none (custom architecture)";

    static void DescribeV1(StringWriter w, MambaIRConfig c, ModelDescription d)
    {
        w.WriteLine($"variant:         MambaIR v1, {d.Family}");
        w.WriteLine($"preset match:    {PresetLine(d)}");
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
    }

    static void DescribeV2(StringWriter w, MambaIRv2Config c, ModelDescription d)
    {
        w.WriteLine($"variant:         {d.Family}");
        w.WriteLine($"preset match:    {PresetLine(d)}");
        w.WriteLine($"scale:           ×{d.Scale}");
        w.WriteLine($"in_chans:        {c.InChans}");
        w.WriteLine($"embed_dim:       {c.EmbedDim}");
        w.WriteLine($"depths:          [{string.Join(", ", c.Depths)}]");
        w.WriteLine($"num_heads:       [{string.Join(", ", c.NumHeads)}] (head width {c.EmbedDim / c.NumHeads[0]})");
        w.WriteLine($"window_size:     {c.WindowSize} (shift {c.ShiftSize} in odd layers; inputs mirror-padded to a multiple of {c.WindowSize})");
        w.WriteLine($"d_state:         {c.DState}");
        w.WriteLine($"inner_rank:      {c.InnerRank}");
        w.WriteLine($"num_tokens:      {c.NumTokens} (router hidden width {c.RouteHidden})");
        w.WriteLine($"mlp_ratio:       {F(c.MlpRatio)} (FFN and ASSM width {c.Hidden}, dt rank {c.DtRank})");
        w.WriteLine($"FFN:             {d.CabType}");
        w.WriteLine($"qkv_bias:        {(c.QkvBias ? "True" : "False")}");
        w.WriteLine($"upsampler:       '{MambaIRConfig.UpsamplerName(c.Upsampler)}'");
        w.WriteLine($"resi_connection: {MambaIRConfig.ResiConnectionName(c.ResiConnection)}");
        w.WriteLine($"img_range:       {F(c.ImgRange)} (not stored in checkpoints; every official model uses 1)");
    }

    static void DescribeUNet(StringWriter w, MambaIRUNetConfig c, ModelDescription d)
    {
        w.WriteLine($"variant:         MambaIR {d.Family}");
        w.WriteLine($"preset match:    {PresetLine(d)}");
        w.WriteLine($"scale:           ×1");
        w.WriteLine($"channels:        {c.InpChannels} in, {c.OutChannels} out");
        w.WriteLine($"dim:             {c.Dim}");
        w.WriteLine($"num_blocks:      [{string.Join(", ", c.NumBlocks)}] (encoder levels 1–3, latent; the decoder repeats levels 3–1)");
        w.WriteLine($"refinement:      {c.NumRefinementBlocks} blocks");
        w.WriteLine($"d_state:         {c.DState} (every level)");
        w.WriteLine($"expand:          {F(c.MlpRatio)} (mlp_ratio)");
        w.WriteLine($"bias:            {(c.Bias ? "True" : "False")}");
        w.WriteLine($"CAB:             {d.CabType}");
        w.WriteLine($"input size:      any (mirror-padded to a multiple of {MambaIRUNetConfig.SizeMultiple}, output cropped back)");
    }
}
