using System.CommandLine;

namespace MambaIR.Cli;

/// <summary>Runs the parsed command and turns the errors a user can cause into one clear line and exit code 2.</summary>
public static class CliRunner
{
    public static async Task<int> InvokeAsync(Command root, string[] args)
    {
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        try
        {
            return await root.Parse(args).InvokeAsync(config);
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"mambair: error: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is OutOfMemoryException
                                  || (e is System.Runtime.InteropServices.ExternalException && e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)))
        {
            Console.Error.WriteLine($"mambair: out of memory: {FirstLine(e.Message)} Try a smaller --tile or another --device.");
            return 3;
        }
    }

    static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    static bool IsUserError(Exception e) => e is ArgumentException or FileNotFoundException or DirectoryNotFoundException
        or InvalidDataException or NotSupportedException or DllNotFoundException or IOException or UnauthorizedAccessException
        or FormatException or InvalidOperationException;
}
