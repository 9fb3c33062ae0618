using System.CommandLine;
using MambaIR.Inference;

namespace MambaIR.Cli;

/// <summary>
/// Parses and runs a command line. Usage errors (unknown options, bad values, missing arguments) print one line each and
/// exit 2 before anything runs; errors a user's input causes (missing or corrupt files, mismatched models) print one line
/// and exit 2; running out of memory exits 3. No stack trace is shown for any of them.
/// </summary>
public static class CliRunner
{
    /// <summary>Exit code of usage errors.</summary>
    public const int UsageError = 2;
    /// <summary>Exit code when memory ran out.</summary>
    public const int OutOfMemoryError = 3;

    public static async Task<int> InvokeAsync(Command root, string[] args)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine($"mambair: error: {error.Message}");
            string command = string.Join(' ', CommandPath(parsed.CommandResult.Command, root));
            Console.Error.WriteLine($"Run '{command} --help' for usage.");
            return UsageError;
        }
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        try
        {
            return await parsed.InvokeAsync(config);
        }
        catch (Exception e) when (OutOfMemory.IsOutOfMemory(e))
        {
            Console.Error.WriteLine($"mambair: out of memory: {OutOfMemory.FirstLine(e.Message)} Try a smaller --tile or --max-memory, or another --device.");
            return OutOfMemoryError;
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"mambair: error: {OutOfMemory.FirstLine(e.Message)}");
            return UsageError;
        }
    }

    static IEnumerable<string> CommandPath(Command command, Command root)
    {
        var path = new List<string>();
        for (var c = command; c != null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            path.Insert(0, c.Name);
            if (c == root) break;
        }
        return path;
    }

    static bool IsUserError(Exception e) => e is ArgumentException or FileNotFoundException or DirectoryNotFoundException
        or InvalidDataException or NotSupportedException or DllNotFoundException or IOException or UnauthorizedAccessException
        or FormatException or InvalidOperationException;
}
