using System.CommandLine;

namespace MambaIR.Cli.Commands;

/// <summary>`mambair textzoom`: TextZoom scene-text SR data and evaluation (generate, pack, eval).</summary>
public sealed class TextZoomCommand : ICliCommand
{
    public Command Create()
    {
        var cmd = new Command("textzoom", "TextZoom scene-text super-resolution: synthetic data, packing folders into LMDB, and the accuracy/PSNR/SSIM protocol.");
        cmd.Subcommands.Add(new TextZoomGenerateCommand().Create());
        cmd.Subcommands.Add(new TextZoomPackCommand().Create());
        cmd.Subcommands.Add(new TextZoomEvalCommand().Create());
        return cmd;
    }
}
