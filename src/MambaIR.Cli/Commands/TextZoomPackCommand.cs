using System.CommandLine;
using MambaIR.Text;

namespace MambaIR.Cli.Commands;

/// <summary>`mambair textzoom pack`: folders of LR/HR pairs and a label file → TextZoom-format LMDB.</summary>
public sealed class TextZoomPackCommand : ICliCommand
{
    public Command Create()
    {
        var hr = new Option<string>("--hr") { Description = "Folder of HR images.", Required = true };
        var lr = new Option<string>("--lr") { Description = "Folder of LR images (same file names as HR).", Required = true };
        var labels = new Option<string>("--labels") { Description = "Label file: one 'FILE<TAB>LABEL' line per pair, in the order to write.", Required = true };
        var output = new Option<string>("--out") { Description = "LMDB folder to create.", Required = true };
        var cmd = new Command("pack", "Pack LR/HR image folders with labels into a TextZoom LMDB (num-samples, label-/image_hr-/image_lr-%09d, 1-based).")
            { hr, lr, labels, output };
        cmd.SetAction(pr =>
        {
            var result = TextZoomFolderPacker.Pack(pr.GetValue(hr)!, pr.GetValue(lr)!, pr.GetValue(labels)!, pr.GetValue(output)!);
            foreach (var s in result.Skipped) Console.Error.WriteLine($"skipped: {s}");
            Console.WriteLine($"wrote {result.Written} pairs to {Path.GetFullPath(pr.GetValue(output)!)}; skipped {result.Skipped.Count}");
            return result.Written > 0 ? 0 : 1;
        });
        return cmd;
    }
}
