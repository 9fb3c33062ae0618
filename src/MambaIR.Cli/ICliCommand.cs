using System.CommandLine;

namespace MambaIR.Cli;

/// <summary>One `mambair` command or sub-command; its parent (Program.cs for the top level) lists it.</summary>
public interface ICliCommand
{
    Command Create();
}
