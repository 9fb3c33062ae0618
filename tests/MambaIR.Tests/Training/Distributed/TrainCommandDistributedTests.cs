using System.CommandLine;
using MambaIR.Cli;
using MambaIR.Cli.Commands;
using MambaIR.Training.Distributed;

namespace MambaIR.Tests.Training.Distributed;

/// <summary><c>mambair train --gpus N</c> and torchrun variables at the command line (serial: they set process environment variables).</summary>
[Collection("global-rng")]
public class TrainCommandDistributedTests
{
    static int Run(params string[] args)
    {
        var root = new RootCommand { new TrainCommand().Create() };
        return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    static void WithEnvironment(IReadOnlyDictionary<string, string?> vars, Action body)
    {
        var saved = DistributedEnvironment.Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var v in DistributedEnvironment.Variables) Environment.SetEnvironmentVariable(v, vars.GetValueOrDefault(v));
            body();
        }
        finally { foreach (var (k, v) in saved) Environment.SetEnvironmentVariable(k, v); }
    }

    [Fact]
    public void Gpus_WithoutCudaDevices_SaysHowManyAreNeeded()
    {
        WithEnvironment(new Dictionary<string, string?>(), () =>
        {
            var e = Assert.Throws<NotSupportedException>(() => Run("train", "-opt", "/nonexistent/options.yml", "--gpus", "2"));
            Assert.Contains("needs 2 CUDA devices", e.Message);
        });
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("NaN")]
    public void BucketCap_MustBeZeroOrMore(string value)
    {
        var root = new RootCommand { new TrainCommand().Create() };
        var parsed = root.Parse(["train", "-opt", "x.yml", "--bucket-cap-mb", value]);
        Assert.Contains(parsed.Errors, e => e.Message.Contains("--bucket-cap-mb must be 0 or more"));
        Assert.Empty(root.Parse(["train", "-opt", "x.yml", "--bucket-cap-mb", "0"]).Errors);
    }

    [Fact]
    public void TorchrunVariables_AreValidatedByName()
    {
        WithEnvironment(new Dictionary<string, string?> { ["WORLD_SIZE"] = "2", ["RANK"] = "0" }, () =>
        {
            var e = Assert.Throws<ArgumentException>(() => Run("train", "-opt", "/nonexistent/options.yml"));
            Assert.StartsWith("LOCAL_RANK is not set", e.Message);
        });
        WithEnvironment(DistributedEnvironment.ForLocalRank(1, 2, "127.0.0.1", 29500).ToDictionary(kv => kv.Key, kv => (string?)kv.Value), () =>
        {
            var e = Assert.Throws<ArgumentException>(() => Run("train", "-opt", "/nonexistent/options.yml", "--gpus", "2"));
            Assert.Contains("use one or the other", e.Message);
        });
    }

    [Fact]
    public void TheRanks_GetTheCommandLineWithoutGpus()
    {
        Assert.Equal(["train", "-opt", "a.yml", "--auto_resume"], DistributedLauncher.ChildArguments(["train", "--gpus", "4", "-opt", "a.yml", "--gpus=4", "--auto_resume"]));
    }
}
