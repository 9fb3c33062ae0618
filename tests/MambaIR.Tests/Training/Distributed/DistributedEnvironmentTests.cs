using MambaIR.Training.Distributed;

namespace MambaIR.Tests.Training.Distributed;

/// <summary>torchrun-style variables: read, validated, errors naming the variable.</summary>
public class DistributedEnvironmentTests
{
    static DistributedEnvironment? Read(params (string, string)[] vars)
    {
        var d = vars.ToDictionary(v => v.Item1, v => v.Item2);
        return DistributedEnvironment.Read(k => d.GetValueOrDefault(k));
    }

    static readonly (string, string)[] Good = [("RANK", "1"), ("WORLD_SIZE", "4"), ("LOCAL_RANK", "1"), ("MASTER_ADDR", "10.0.0.5"), ("MASTER_PORT", "29500")];

    [Fact]
    public void NoneSet_OrOneRank_IsASingleProcess()
    {
        Assert.Null(Read());
        Assert.Null(Read(("WORLD_SIZE", "1")));
        Assert.Null(Read(("WORLD_SIZE", "1"), ("RANK", "0"), ("LOCAL_RANK", "0")));
    }

    [Fact]
    public void AllSet_AreRead()
    {
        var e = Read(Good)!;
        Assert.Equal(new DistributedEnvironment(1, 4, 1, "10.0.0.5", 29500), e);
        Assert.True(e.IsDistributed);
    }

    [Theory]
    [InlineData("RANK")]
    [InlineData("LOCAL_RANK")]
    [InlineData("MASTER_ADDR")]
    [InlineData("MASTER_PORT")]
    [InlineData("WORLD_SIZE")]
    public void AMissingVariable_IsNamed(string missing)
    {
        var e = Assert.Throws<ArgumentException>(() => Read(Good.Where(v => v.Item1 != missing).ToArray()));
        Assert.StartsWith(missing + " is not set", e.Message);
    }

    [Theory]
    [InlineData("RANK", "4", "RANK=4 is out of range")]
    [InlineData("RANK", "-1", "RANK=-1 is out of range")]
    [InlineData("RANK", "one", "RANK=one is not an integer")]
    [InlineData("WORLD_SIZE", "0", "WORLD_SIZE=0 is out of range")]
    [InlineData("MASTER_PORT", "70000", "MASTER_PORT=70000 is out of range 1..65535")]
    [InlineData("MASTER_ADDR", "a b", "MASTER_ADDR=a b is not a host name")]
    public void AWrongValue_IsNamed(string name, string value, string message)
    {
        var vars = Good.Where(v => v.Item1 != name).Append((name, value)).ToArray();
        var e = Assert.Throws<ArgumentException>(() => Read(vars));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void TheLauncherVariables_ReadBack()
    {
        var vars = DistributedEnvironment.ForLocalRank(2, 3, "127.0.0.1", 40000);
        Assert.Equal(new DistributedEnvironment(2, 3, 2, "127.0.0.1", 40000), DistributedEnvironment.Read(k => vars.GetValueOrDefault(k)));
    }
}
