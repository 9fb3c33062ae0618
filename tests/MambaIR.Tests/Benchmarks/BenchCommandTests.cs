using System.CommandLine;
using MambaIR.Cli;
using MambaIR.Cli.Commands;

namespace MambaIR.Tests.Benchmarks;

/// <summary>`mambair bench model|train --tf32` takes the same values as restore and eval (on, off, default), off unless given.</summary>
public class BenchCommandTests
{
    static ParseResult Parse(string line) => new RootCommand { new BenchCommand().Create() }.Parse(line);

    static string? Tf32Of(ParseResult result) =>
        result.GetValue<string>(result.CommandResult.Command.Options.Single(o => o.Name == "--tf32").Name);

    [Theory]
    [InlineData("model")]
    [InlineData("train")]
    public void Tf32_IsOffUnlessGiven_AndTakesTheValuesOfRestore(string sub)
    {
        var plain = Parse($"bench {sub} --preset light-x2");
        Assert.Empty(plain.Errors);
        Assert.Equal("off", Tf32Of(plain));
        Assert.Equal(false, CliOptions.ParseTf32(Tf32Of(plain)));

        foreach (var (value, expected) in new[] { ("on", (bool?)true), ("OFF", false), ("default", null) })
        {
            var given = Parse($"bench {sub} --preset light-x2 --tf32 {value}");
            Assert.Empty(given.Errors);
            Assert.Equal(expected, CliOptions.ParseTf32(Tf32Of(given)));
        }

        var bad = Parse($"bench {sub} --preset light-x2 --tf32 sometimes");
        Assert.Contains(bad.Errors, e => e.Message.Contains("--tf32 'sometimes': use on, off or default"));
        // A bare --tf32 (the old flag) is an error now, not silently "on".
        Assert.NotEmpty(Parse($"bench {sub} --preset light-x2 --tf32").Errors);
    }
}
