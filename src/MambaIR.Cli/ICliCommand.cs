using System.CommandLine;

namespace MambaIR.Cli;

/// <summary>One `mambair` sub-command. Implementations are discovered by reflection, so adding a command is adding a file.</summary>
public interface ICliCommand
{
    Command Create();
}
