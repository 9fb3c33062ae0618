using System.CommandLine;
using System.CommandLine.Help;
using System.Reflection;
using MambaIR.Cli;

// `mambair`: every class implementing ICliCommand in this assembly contributes one sub-command.
// A named Command rather than RootCommand, whose name is the entry assembly's (MambaIR.Cli) and cannot be changed.
var root = new Command("mambair", "MambaIR.NET: MambaIR image restoration (super-resolution, denoising, JPEG artifact removal) on CPU or CUDA.")
    { new HelpOption(), new VersionOption() };
foreach (var type in typeof(ICliCommand).Assembly.GetTypes()
             .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface)
             .OrderBy(t => t.Name))
    root.Subcommands.Add(((ICliCommand)Activator.CreateInstance(type)!).Create());
return await CliRunner.InvokeAsync(root, args);
