using System.CommandLine;
using System.CommandLine.Help;
using MambaIR.Cli;
using MambaIR.Cli.Commands;

// `mambair`: the commands, each an ICliCommand, listed here (sub-commands are listed by their parent command).
// A named Command rather than RootCommand, whose name is the entry assembly's (MambaIR.Cli) and cannot be changed.
var root = new Command("mambair", "MambaIR.NET: MambaIR image restoration (super-resolution, denoising, JPEG artifact removal) on CPU or CUDA.")
    { new HelpOption(), new VersionOption() };
ICliCommand[] commands =
[
    new RestoreCommand(), new InfoCommand(), new EvalCommand(), new TrainCommand(), new DataCommand(), new CheckpointCommand(),
    new TextZoomCommand(), new BenchCommand(), new RuntimeCommand(),
];
foreach (var command in commands) root.Subcommands.Add(command.Create());
return await CliRunner.InvokeAsync(root, args);
