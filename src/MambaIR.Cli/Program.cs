using System.CommandLine;
using System.Reflection;
using MambaIR.Cli;

// `mambair`: every class implementing ICliCommand in this assembly contributes one sub-command.
var root = new RootCommand("MambaIR.NET: MambaIR image restoration (super-resolution, denoising, JPEG artifact removal) on CPU or CUDA.");
foreach (var type in typeof(ICliCommand).Assembly.GetTypes()
             .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface)
             .OrderBy(t => t.Name))
    root.Subcommands.Add(((ICliCommand)Activator.CreateInstance(type)!).Create());
return await CliRunner.InvokeAsync(root, args);
